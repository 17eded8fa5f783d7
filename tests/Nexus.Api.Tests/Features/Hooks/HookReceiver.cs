using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nexus.Api.Tests.Features.Hooks;

/// <summary>One request the receiver got: its path, headers and body as sent.</summary>
public sealed record ReceivedHook(string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A real HTTP server on loopback (Kestrel), standing for a customer's webhook endpoint. Each test uses paths of its own;
/// what a path answers is set per path (200 "ok" unless told).
/// </summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _answers = new();

    private HookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedHook> Received { get; } = new();

    public int Port { get; private set; }

    public static async Task<HookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new HookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Port = new Uri(address).Port;
        return receiver;
    }

    /// <summary>A fresh path of this receiver, as a URL.</summary>
    public string NewUrl(out string path)
    {
        path = "/hooks/" + Guid.NewGuid().ToString("N");
        return $"http://127.0.0.1:{Port}{path}";
    }

    public void Answer(string path, Func<HttpContext, Task> answer) => _answers[path] = answer;

    public void Answer(string path, int status, string body = "") => Answer(path, async context =>
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(body);
    });

    public IReadOnlyList<ReceivedHook> At(string path) => [.. Received.Where(r => r.Path == path)];

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        Received.Enqueue(new(context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body));
        if (_answers.TryGetValue(context.Request.Path, out var answer))
        {
            await answer(context);
        }
        else
        {
            context.Response.StatusCode = (int)HttpStatusCode.OK;
            await context.Response.WriteAsync("ok");
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
