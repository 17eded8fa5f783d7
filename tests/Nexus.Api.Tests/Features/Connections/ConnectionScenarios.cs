using System.Text.Json;
using Alba;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Connections;

/// <summary>Where the consent ended: the query string Nexus put on its redirect to the frontend.</summary>
public sealed record ConsentResult(string Outcome, string[] Connections, string? Choice, string? Reason, Uri CallbackUrl);

public static class ConnectionScenarios
{
    public static async Task<string> StartSandboxAsync(this IAlbaHost host, Person admin, string workspaceId)
    {
        var payload = await host.MutateAsync(admin, "startConnection", "StartConnectionInput", new { workspaceId, platform = "SANDBOX" }, "authorizationUrl");
        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
        var url = payload.GetProperty("authorizationUrl").GetString()!;
        // Escaped as sent on the wire: strict clients (curl, some mobile web views) refuse a raw space in a URL.
        Assert.True(Uri.IsWellFormedUriString(url, UriKind.Absolute), url);
        return url;
    }

    /// <summary>Goes through the sandbox's consent page like a browser: approve (optionally with pages) or deny.</summary>
    public static async Task<ConsentResult> ConsentAsync(this IAlbaHost host, string authorizationUrl, bool approve = true, bool pages = false)
    {
        using var browser = new Browser(host);
        var page = await browser.GetAsync(new Uri(authorizationUrl).PathAndQuery);
        var form = Browser.HiddenFields(await page.Content.ReadAsStringAsync());
        form["decision"] = approve ? "approve" : "deny";
        if (pages)
        {
            form["pages"] = "true";
        }

        var toPlatform = await browser.PostFormAsync("/sandbox/oauth/authorize", form);
        var callback = toPlatform.Headers.Location!;
        var final = await browser.FollowAsync(toPlatform);
        return Parse(final.Headers.Location!, callback);
    }

    public static async Task<ConsentResult> CallbackAgainAsync(this IAlbaHost host, Uri callback)
    {
        using var browser = new Browser(host);
        var response = await browser.GetAsync(callback.PathAndQuery);
        return Parse(response.Headers.Location!, callback);
    }

    public static async Task<string> ConnectSandboxAsync(this IAlbaHost host, Person admin, string workspaceId)
    {
        var result = await host.ConsentAsync(await host.StartSandboxAsync(admin, workspaceId));
        Assert.True(result.Outcome == "connected", result.Reason);
        return Assert.Single(result.Connections);
    }

    public static async Task<JsonElement> ConnectionsAsync(this IAlbaHost host, Person person, string workspaceId) =>
        (await host.AsAsync(person, "query ($id: ID!) { workspace(id: $id) { connections { id platform name kind status statusReason tokenExpiresAt } } }", new { id = workspaceId }))
            .Data.GetProperty("workspace").GetProperty("connections");

    private static ConsentResult Parse(Uri frontend, Uri callback)
    {
        Assert.StartsWith("http://localhost:5173/connections/callback", frontend.ToString());
        var query = Browser.QueryOf(frontend);
        return new ConsentResult(query["outcome"], query.TryGetValue("connections", out var c) ? c.Split(',') : [],
            query.GetValueOrDefault("choice"), query.GetValueOrDefault("reason"), callback);
    }
}
