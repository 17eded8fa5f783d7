using System.Text.RegularExpressions;
using Alba;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure.Email;
using Wolverine;
using Wolverine.Tracking;

namespace Nexus.Api.Tests.Infrastructure;

public static partial class Tracked
{
    /// <summary>Runs an action through the API and waits until every message it cascaded (emails, revocations) is handled.</summary>
    public static async Task<T> RunAsync<T>(this IAlbaHost host, Func<Task<T>> action)
    {
        T result = default!;
        Func<IMessageContext, Task> run = async _ => result = await action();
        await host.TrackActivity().Timeout(TimeSpan.FromSeconds(15)).ExecuteAndWaitAsync(run);
        return result;
    }

    /// <summary>The token in the newest email of that kind to that address.</summary>
    public static string TokenFromMail(this IAlbaHost host, string to, string kind)
    {
        var mail = host.Services.GetRequiredService<MailDrop>().For(to).Last(m => m.Kind == kind);
        return Token().Match(mail.TextBody).Groups[1].Value;
    }

    [GeneratedRegex("token=([A-Za-z0-9_-]+)")]
    private static partial Regex Token();
}
