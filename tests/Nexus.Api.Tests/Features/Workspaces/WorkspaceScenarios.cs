using System.Text.Json;
using System.Text.RegularExpressions;
using Alba;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Tests.Infrastructure;
using Wolverine;
using Wolverine.Tracking;

namespace Nexus.Api.Tests.Features.Workspaces;

/// <summary>A signed-in person in tests: their token, user id (global) and email.</summary>
public sealed record Person(string Email, string Token, string UserId);

public static partial class WorkspaceScenarios
{
    public static async Task<Person> PersonAsync(this IAlbaHost host, string name = "Tester")
    {
        var (email, _, tokens) = await host.SignedUpUserAsync(name);
        var me = await host.PostGraphQLAsync(tokens.AccessToken, "{ me { id } }");
        return new Person(email, tokens.AccessToken, me.Data.GetProperty("me").GetProperty("id").GetString()!);
    }

    public static async Task<GraphQLResponse> AsAsync(this IAlbaHost host, Person person, string query, object? variables = null) =>
        await host.PostGraphQLAsync(person.Token, query, variables);

    /// <summary>Runs a mutation that must succeed at the GraphQL level and returns its payload.</summary>
    public static async Task<JsonElement> MutateAsync(this IAlbaHost host, Person person, string field, string inputType, object input, string selection = "workspace { id }")
    {
        var response = await host.AsAsync(person,
            $"mutation ($input: {inputType}!) {{ {field}(input: $input) {{ {selection} errors {{ __typename ... on Error {{ code message path }} }} }} }}",
            new { input });
        Assert.True(response.Status == 200 && response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty(field);
    }

    public static async Task<string> CreateWorkspaceAsync(this IAlbaHost host, Person owner, string name = "Acme", string timeZone = "Europe/Berlin")
    {
        var payload = await host.MutateAsync(owner, "createWorkspace", "CreateWorkspaceInput", new { name, timeZone });
        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
        return payload.GetProperty("workspace").GetProperty("id").GetString()!;
    }

    /// <summary>Invites and waits until the invitation email, sent through the durable outbox, is out.</summary>
    public static async Task<string> InviteAsync(this IAlbaHost host, Person admin, string workspaceId, string email, string role)
    {
        JsonElement payload = default;
        Func<IMessageContext, Task> invite = async _ =>
            payload = await host.MutateAsync(admin, "inviteMember", "InviteMemberInput", new { workspaceId, email, role });
        await host.TrackActivity().Timeout(TimeSpan.FromSeconds(15)).ExecuteAndWaitAsync(invite);
        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
        return host.LatestInvitationToken(email);
    }

    public static string LatestInvitationToken(this IAlbaHost host, string email)
    {
        var mail = host.Services.GetRequiredService<MailDrop>().For(email).Last(m => m.Kind == "invitation");
        return TokenInLink().Match(mail.TextBody).Groups[1].Value;
    }

    public static async Task<JsonElement> AcceptAsync(this IAlbaHost host, Person person, string token) =>
        await host.MutateAsync(person, "acceptInvitation", "AcceptInvitationInput", new { token });

    public static async Task AddMemberAsync(this IAlbaHost host, Person owner, string workspaceId, Person member, string role)
    {
        var accepted = await host.AcceptAsync(member, await host.InviteAsync(owner, workspaceId, member.Email, role));
        Assert.Equal(0, accepted.GetProperty("errors").GetArrayLength());
    }

    public static string[] ErrorCodesOf(JsonElement payload) =>
        [.. payload.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()!)];

    [GeneratedRegex("token=([A-Za-z0-9_-]+)")]
    private static partial Regex TokenInLink();
}
