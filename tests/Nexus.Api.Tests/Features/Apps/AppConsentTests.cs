using System.Net;
using Nexus.Api.Features.Apps;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using OpenIddict.Abstractions;

namespace Nexus.Api.Tests.Features.Apps;

[Collection(ApiCollection.Name)]
public sealed class AppConsentTests(ApiFixture api)
{
    private const string AuthorizedApps = "{ me { authorizedApps { edges { node { appId appName workspaceId workspace { name } scopes grantedAt } } } } }";

    [Fact]
    public async Task a_person_allows_an_app_in_one_of_their_workspaces_and_its_token_is_bound_there()
    {
        var (developer, person) = (await api.Host.PersonAsync("Developer"), await api.Host.PersonAsync("Person"));
        var appWorkspace = await api.Host.CreateWorkspaceAsync(developer, "Dev shop");
        var app = await api.Host.RegisterAppAsync(developer, appWorkspace, name: "Scheduler <Pro>");
        var first = await api.Host.CreateWorkspaceAsync(person, "Bakery");
        var second = await api.Host.CreateWorkspaceAsync(person, "Florist");
        using var browser = await api.Host.SignedInBrowserAsync(person);
        var (verifier, challenge) = OAuthClient.Pkce();

        var page = await browser.GetAsync(AppScenarios.AuthorizeUrl(app, challenge, "posts:read posts:write offline_access"));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Allow Scheduler &lt;Pro&gt;?", html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(AppScope.Catalogue[AppScope.PostsRead]), html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(AppScope.Catalogue[AppScope.PostsWrite]), html, StringComparison.Ordinal);
        Assert.DoesNotContain(WebUtility.HtmlEncode(AppScope.Catalogue[AppScope.AnalyticsRead]), html, StringComparison.Ordinal);
        Assert.Contains("Bakery", html, StringComparison.Ordinal);
        Assert.Contains("Florist", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Dev shop", html, StringComparison.Ordinal);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());

        var back = AppScenarios.RedirectedTo(await browser.AnswerConsentAsync(page, second), app);
        Assert.Equal("st8", back.Query["state"]);
        var tokens = await api.Host.RedeemAsync(app, back.Query["code"], verifier);

        Assert.True(tokens.Status == 200, tokens.Body.ToString());
        var principal = (await api.Host.PrincipalOfAsync(tokens.AccessToken))!;
        Assert.Equal(Guid(second, "Workspace"), principal.BoundWorkspace());
        Assert.Equal(Guid(app.Id, "App"), principal.AppId());
        Assert.Equal(Guid(person.UserId, "User").ToString(), principal.GetClaim(OpenIddictConstants.Claims.Subject));
        Assert.Equal(["offline_access", "posts:read", "posts:write"], principal.GetScopes().Order(StringComparer.Ordinal));
        Assert.True(await api.Host.AcceptsAsync(tokens.AccessToken));

        // A refreshed token keeps the binding and the scopes.
        var refreshed = await api.Host.RefreshAsync(tokens.RefreshToken, app.ClientId);
        Assert.True(refreshed.Status == 200, refreshed.Body.ToString());
        Assert.Equal(Guid(second, "Workspace"), (await api.Host.PrincipalOfAsync(refreshed.AccessToken))!.BoundWorkspace());

        var listed = AppScenarios.Nodes((await api.Host.AsAsync(person, AuthorizedApps)).Data.GetProperty("me").GetProperty("authorizedApps"));
        var grant = Assert.Single(listed);
        Assert.Equal(app.Id, grant.GetProperty("appId").GetString());
        Assert.Equal("Scheduler <Pro>", grant.GetProperty("appName").GetString());
        Assert.Equal(second, grant.GetProperty("workspaceId").GetString());
        Assert.Equal("Florist", grant.GetProperty("workspace").GetProperty("name").GetString());
        Assert.Equal(["offline_access", "posts:read", "posts:write"], grant.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Order(StringComparer.Ordinal));
        Assert.Empty(AppScenarios.Nodes((await api.Host.AsAsync(developer, AuthorizedApps)).Data.GetProperty("me").GetProperty("authorizedApps")));
        _ = first;
    }

    [Fact]
    public async Task a_remembered_grant_skips_the_page_unless_consent_is_asked_for_again()
    {
        var person = await api.Host.PersonAsync("Person");
        var workspace = await api.Host.CreateWorkspaceAsync(person, "Bakery");
        var app = await api.Host.RegisterAppAsync(person, workspace);
        await api.Host.ConsentedTokensAsync(person, app, workspace, "posts:read offline_access");
        using var browser = await api.Host.SignedInBrowserAsync(person);

        var (verifier, challenge) = OAuthClient.Pkce();
        var again = AppScenarios.RedirectedTo(await browser.GetAsync(AppScenarios.AuthorizeUrl(app, challenge, "posts:read")), app);
        var silently = AppScenarios.RedirectedTo(await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge, "posts:read", prompt: "none")), app);
        var asked = await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge, "posts:read", prompt: "consent"));
        var more = await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge, "posts:read posts:write"));

        var tokens = await api.Host.RedeemAsync(app, again.Query["code"], verifier);
        Assert.True(tokens.Status == 200, tokens.Body.ToString());
        Assert.Equal(Guid(workspace, "Workspace"), (await api.Host.PrincipalOfAsync(tokens.AccessToken))!.BoundWorkspace());
        Assert.True(silently.Query.ContainsKey("code"));
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, more.StatusCode);

        // Allowing more widens the one grant of this app and workspace.
        AppScenarios.RedirectedTo(await browser.AnswerConsentAsync(more, workspace), app);
        var grant = Assert.Single(AppScenarios.Nodes((await api.Host.AsAsync(person, AuthorizedApps)).Data.GetProperty("me").GetProperty("authorizedApps")));
        Assert.Equal(["offline_access", "posts:read", "posts:write"], grant.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task without_a_grant_prompt_none_answers_consent_required()
    {
        var person = await api.Host.PersonAsync("Person");
        var workspace = await api.Host.CreateWorkspaceAsync(person);
        var app = await api.Host.RegisterAppAsync(person, workspace);
        using var browser = await api.Host.SignedInBrowserAsync(person);

        var back = AppScenarios.RedirectedTo(await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge, prompt: "none")), app);

        Assert.Equal("consent_required", back.Query["error"]);
        Assert.False(back.Query.ContainsKey("code"));
    }

    [Fact]
    public async Task denying_sends_access_denied_and_remembers_nothing()
    {
        var person = await api.Host.PersonAsync("Person");
        var workspace = await api.Host.CreateWorkspaceAsync(person);
        var app = await api.Host.RegisterAppAsync(person, workspace);
        using var browser = await api.Host.SignedInBrowserAsync(person);
        var page = await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge));

        var back = AppScenarios.RedirectedTo(await browser.AnswerConsentAsync(page, workspaceId: null, allow: false), app);

        Assert.Equal("access_denied", back.Query["error"]);
        Assert.Empty(AppScenarios.Nodes((await api.Host.AsAsync(person, AuthorizedApps)).Data.GetProperty("me").GetProperty("authorizedApps")));
    }

    [Fact]
    public async Task allowing_needs_the_pages_antiforgery_token_and_one_of_the_persons_workspaces()
    {
        var (person, stranger) = (await api.Host.PersonAsync("Person"), await api.Host.PersonAsync("Stranger"));
        var workspace = await api.Host.CreateWorkspaceAsync(person);
        var elsewhere = await api.Host.CreateWorkspaceAsync(stranger, "Not yours");
        var app = await api.Host.RegisterAppAsync(person, workspace);
        using var browser = await api.Host.SignedInBrowserAsync(person);
        var page = await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge));
        var form = Browser.HiddenFields(await page.Content.ReadAsStringAsync());

        var forged = await browser.PostFormAsync("/connect/authorize",
            form.Where(f => !f.Key.StartsWith("__", StringComparison.Ordinal)).ToDictionary(f => f.Key, f => f.Value).Concat([new("consent", "allow"), new("workspace", workspace)]).ToDictionary());
        var foreign = await browser.AnswerConsentAsync(page, elsewhere);
        var byGet = await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge) + "&consent=allow&workspace=" + Uri.EscapeDataString(workspace));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byGet.StatusCode);
        Assert.Empty(AppScenarios.Nodes((await api.Host.AsAsync(person, AuthorizedApps)).Data.GetProperty("me").GetProperty("authorizedApps")));
    }

    [Fact]
    public async Task a_redirect_uri_the_app_did_not_register_is_refused_without_redirecting()
    {
        var person = await api.Host.PersonAsync("Person");
        var workspace = await api.Host.CreateWorkspaceAsync(person);
        var app = await api.Host.RegisterAppAsync(person, workspace);
        using var browser = await api.Host.SignedInBrowserAsync(person);

        var response = await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge, redirectUri: app.RedirectUri + "/other"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Theory]
    [InlineData("posts:read analytics:read")]
    [InlineData("posts:read nexus")]
    [InlineData("posts:read profile")]
    public async Task a_scope_the_app_was_not_registered_for_is_refused_by_the_server(string scope)
    {
        var person = await api.Host.PersonAsync("Person");
        var workspace = await api.Host.CreateWorkspaceAsync(person);
        var app = await api.Host.RegisterAppAsync(person, workspace, scopes: ["posts:read", "offline_access"]);
        using var browser = await api.Host.SignedInBrowserAsync(person);

        var response = await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge, scope));

        // OpenIddict checks the app's scope permissions before Nexus's code runs, and answers on its own page.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not allowed to use the specified scope", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("posts:read offline_access")]
    [InlineData("posts:read openid")]
    public async Task an_openid_scope_the_app_was_not_registered_for_is_refused_too(string scope)
    {
        var person = await api.Host.PersonAsync("Person");
        var workspace = await api.Host.CreateWorkspaceAsync(person);
        var app = await api.Host.RegisterAppAsync(person, workspace, scopes: ["posts:read"]);
        using var browser = await api.Host.SignedInBrowserAsync(person);

        var back = AppScenarios.RedirectedTo(await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge, scope)), app);

        Assert.Equal("invalid_scope", back.Query["error"]);
    }

    [Fact]
    public async Task revoking_a_grant_stops_its_tokens_at_once_and_the_app_must_ask_again()
    {
        var person = await api.Host.PersonAsync("Person");
        var workspace = await api.Host.CreateWorkspaceAsync(person);
        var app = await api.Host.RegisterAppAsync(person, workspace);
        var tokens = await api.Host.ConsentedTokensAsync(person, app, workspace);
        var second = await api.Host.ConsentedTokensAsync(person, app, workspace);
        Assert.True(await api.Host.AcceptsAsync(tokens.AccessToken));

        var payload = await api.Host.MutateAsync(person, "revokeAppAuthorization", "RevokeAppAuthorizationInput", new { appId = app.Id, workspaceId = workspace }, "done");

        Assert.True(payload.GetProperty("done").GetBoolean());
        Assert.False(await api.Host.AcceptsAsync(tokens.AccessToken));
        Assert.False(await api.Host.AcceptsAsync(second.AccessToken));
        Assert.Equal("invalid_grant", (await api.Host.RefreshAsync(tokens.RefreshToken, app.ClientId)).Error);
        Assert.Empty(AppScenarios.Nodes((await api.Host.AsAsync(person, AuthorizedApps)).Data.GetProperty("me").GetProperty("authorizedApps")));
        using var browser = await api.Host.SignedInBrowserAsync(person);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(AppScenarios.AuthorizeUrl(app, OAuthClient.Pkce().Challenge))).StatusCode);
        var again = await api.Host.MutateAsync(person, "revokeAppAuthorization", "RevokeAppAuthorizationInput", new { appId = app.Id, workspaceId = workspace }, "done");
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(again));
    }

    [Fact]
    public async Task nexus_own_clients_are_not_asked_for_consent()
    {
        var person = await api.Host.PersonAsync("Person");
        using var browser = await api.Host.SignedInBrowserAsync(person);

        var response = await browser.GetAsync("/connect/authorize?client_id=nexus-web&response_type=code&scope=openid%20nexus" +
            $"&redirect_uri={Uri.EscapeDataString("http://localhost:5173/auth/callback")}&code_challenge={OAuthClient.Pkce().Challenge}&code_challenge_method=S256");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("code=", response.Headers.Location!.Query, StringComparison.Ordinal);
    }

    private static Guid Guid(string globalId, string type) =>
        GlobalId.TryParse(globalId, type, out var id) ? id : throw new InvalidOperationException($"{globalId} is not a {type} id.");
}

/// <summary>A grant revoked through one node, refused by another (nodes share their token keys, as a deployment does).</summary>
public sealed class AppRevocationAcrossNodesTests(Nexus.Api.Tests.Infrastructure.Identity.TwoNodesFixture nodes) : IClassFixture<Nexus.Api.Tests.Infrastructure.Identity.TwoNodesFixture>
{
    [Fact]
    public async Task a_grant_revoked_through_one_node_is_refused_by_another()
    {
        var person = await nodes.Host.PersonAsync("Person");
        var workspace = await nodes.Host.CreateWorkspaceAsync(person);
        var app = await nodes.Host.RegisterAppAsync(person, workspace);
        var tokens = await nodes.Host.ConsentedTokensAsync(person, app, workspace);
        Assert.True(await nodes.Other.AcceptsAsync(tokens.AccessToken));

        await nodes.Host.MutateAsync(person, "revokeAppAuthorization", "RevokeAppAuthorizationInput", new { appId = app.Id, workspaceId = workspace }, "done");

        await Eventually.TrueAsync(async () => !await nodes.Other.AcceptsAsync(tokens.AccessToken), "The other node still accepts the revoked grant's token.");
    }
}
