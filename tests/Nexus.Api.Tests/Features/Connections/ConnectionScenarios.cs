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

    /// <summary>
    /// Goes through the sandbox's consent page like a browser: follows <paramref name="authorizationUrl"/> (Nexus's
    /// begin link, which leads on to the consent page), then approves (optionally with pages) or denies.
    /// </summary>
    public static async Task<ConsentResult> ConsentAsync(this IAlbaHost host, string authorizationUrl, bool approve = true, bool pages = false)
    {
        using var browser = new Browser(host);
        return await browser.ConsentOnPageAsync(await browser.OpenAsync(authorizationUrl), approve, pages);
    }

    /// <summary>Opens a link in <paramref name="browser"/> and follows Nexus's redirects (the begin link's to the consent page).</summary>
    public static async Task<HttpResponseMessage> OpenAsync(this Browser browser, string url) =>
        await browser.FollowAsync(await browser.GetAsync(new Uri(url).PathAndQuery));

    /// <summary>Approves or denies on the sandbox consent page <paramref name="page"/> and follows the way back to the frontend.</summary>
    public static async Task<ConsentResult> ConsentOnPageAsync(this Browser browser, HttpResponseMessage page, bool approve = true, bool pages = false)
    {
        var callback = await browser.DecideAsync(page, approve, pages);
        var final = await browser.GetAsync(callback.PathAndQuery);
        return Parse(final.Headers.Location!, callback);
    }

    /// <summary>Approves or denies on the consent page; answers where the sandbox sends the browser back (Nexus's callback).</summary>
    public static async Task<Uri> DecideAsync(this Browser browser, HttpResponseMessage page, bool approve = true, bool pages = false)
    {
        Assert.True(page.StatusCode == System.Net.HttpStatusCode.OK, $"{page.StatusCode} at {page.RequestMessage?.RequestUri}: {page.Headers.Location}");
        var form = Browser.HiddenFields(await page.Content.ReadAsStringAsync());
        form["decision"] = approve ? "approve" : "deny";
        if (pages)
        {
            form["pages"] = "true";
        }

        var toPlatform = await browser.PostFormAsync("/sandbox/oauth/authorize", form);
        return toPlatform.Headers.Location!;
    }

    /// <summary>
    /// For a platform served by a fake (no consent page of ours): begins the attempt in a browser, reads the
    /// <c>state</c> off the platform's consent URL, and comes back to <c>/oauth/callback/{platform}</c> with
    /// <paramref name="code"/> in that same browser, as the platform would send it.
    /// </summary>
    public static async Task<ConsentResult> ConsentAtFakePlatformAsync(this IAlbaHost host, string authorizationUrl, string platform, string code)
    {
        using var browser = new Browser(host);
        var toPlatform = await browser.GetAsync(new Uri(authorizationUrl).PathAndQuery);
        var state = Browser.QueryOf(toPlatform.Headers.Location!)["state"];
        return await browser.CallbackAsync(new Uri($"http://localhost/oauth/callback/{platform}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(state)}"));
    }

    public static async Task<ConsentResult> CallbackAsync(this Browser browser, Uri callback)
    {
        var response = await browser.GetAsync(callback.PathAndQuery);
        return Parse(response.Headers.Location!, callback);
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
        JsonSerializer.SerializeToElement((await host.AsAsync(person,
                "query ($id: ID!) { workspace(id: $id) { connections(first: 100) { edges { node { id platform name kind status statusReason tokenExpiresAt } } } } }", new { id = workspaceId }))
            .Data.GetProperty("workspace").GetProperty("connections").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")));

    private static ConsentResult Parse(Uri frontend, Uri callback)
    {
        Assert.StartsWith("http://localhost:5173/connections/callback", frontend.ToString());
        var query = Browser.QueryOf(frontend);
        return new ConsentResult(query["outcome"], query.TryGetValue("connections", out var c) ? c.Split(',') : [],
            query.GetValueOrDefault("choice"), query.GetValueOrDefault("reason"), callback);
    }
}
