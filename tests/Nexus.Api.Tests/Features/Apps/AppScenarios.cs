using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Alba;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using OpenIddict.Validation;

namespace Nexus.Api.Tests.Features.Apps;

/// <summary>An app as its developer holds it after registering it.</summary>
public sealed record RegisteredApp(string Id, string ClientId, string? Secret, string RedirectUri);

/// <summary>A code flow's answer: where the browser was sent, and the parameters it carried.</summary>
public sealed record Redirected(HttpResponseMessage Response, Dictionary<string, string> Query);

public static class AppScenarios
{
    public const string Password = "correct horse battery staple";
    public const string RedirectUri = "https://app.example/oauth/callback";
    public const string Registration = "app { id clientId name redirectUris scopes confidential createdAt } clientSecret";

    public static async Task<RegisteredApp> RegisterAppAsync(this IAlbaHost host, Person admin, string workspaceId, bool confidential = false,
        string[]? scopes = null, string name = "Scheduler Pro", string redirectUri = RedirectUri)
    {
        var payload = await host.MutateAsync(admin, "registerApp", "RegisterAppInput",
            new { workspaceId, name, redirectUris = new[] { redirectUri }, scopes = scopes ?? ["posts:read", "posts:write", "offline_access"], confidential }, Registration);
        Assert.True(payload.GetProperty("errors").GetArrayLength() == 0, payload.ToString());
        var app = payload.GetProperty("app");
        return new RegisteredApp(app.GetProperty("id").GetString()!, app.GetProperty("clientId").GetString()!,
            payload.GetProperty("clientSecret").GetString(), redirectUri);
    }

    /// <summary>For the permission matrix: a confidential app's global id.</summary>
    public static async Task<string> RegisteredAppIdAsync(IAlbaHost host, Person admin, string workspaceId) =>
        (await host.RegisterAppAsync(admin, workspaceId, confidential: true)).Id;

    /// <summary>A browser signed in to Nexus as <paramref name="person"/> (all test people share one password).</summary>
    public static async Task<Browser> SignedInBrowserAsync(this IAlbaHost host, Person person)
    {
        var browser = new Browser(host);
        var form = Browser.HiddenFields(await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync());
        form["email"] = person.Email;
        form["password"] = Password;
        await browser.PostFormAsync("/account/login", form);
        return browser;
    }

    public static string AuthorizeUrl(RegisteredApp app, string challenge, string scope = "posts:read offline_access", string? prompt = null, string? redirectUri = null) =>
        $"/connect/authorize?client_id={app.ClientId}&response_type=code&scope={Uri.EscapeDataString(scope)}" +
        $"&redirect_uri={Uri.EscapeDataString(redirectUri ?? app.RedirectUri)}&state=st8&code_challenge={challenge}&code_challenge_method=S256" +
        (prompt is null ? "" : $"&prompt={prompt}");

    public static Redirected RedirectedTo(HttpResponseMessage response, RegisteredApp app)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{response.StatusCode}: {response.Content.ReadAsStringAsync().Result}");
        Assert.StartsWith(app.RedirectUri, response.Headers.Location!.ToString());
        return new Redirected(response, Browser.QueryOf(response.Headers.Location));
    }

    /// <summary>Answers the consent page: allow for <paramref name="workspaceId"/>, or deny.</summary>
    public static async Task<HttpResponseMessage> AnswerConsentAsync(this Browser browser, HttpResponseMessage page, string? workspaceId, bool allow = true)
    {
        var form = Browser.HiddenFields(await page.Content.ReadAsStringAsync());
        form["consent"] = allow ? "allow" : "deny";
        if (workspaceId is not null)
        {
            form["workspace"] = workspaceId;
        }

        return await browser.PostFormAsync("/connect/authorize", form);
    }

    public static async Task<TokenResponse> RedeemAsync(this IAlbaHost host, RegisteredApp app, string code, string verifier)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = app.ClientId,
            ["code"] = code,
            ["redirect_uri"] = app.RedirectUri,
            ["code_verifier"] = verifier,
        };
        if (app.Secret is not null)
        {
            form["client_secret"] = app.Secret;
        }

        return await host.TokenAsync(form);
    }

    /// <summary>A person allows a public app in a workspace through the whole code flow; answers the tokens.</summary>
    public static async Task<TokenResponse> ConsentedTokensAsync(this IAlbaHost host, Person person, RegisteredApp app, string workspaceId, string scope = "posts:read offline_access")
    {
        using var browser = await host.SignedInBrowserAsync(person);
        var (verifier, challenge) = OAuthClient.Pkce();
        var page = await browser.GetAsync(AuthorizeUrl(app, challenge, scope));
        // Asked the first time; a grant already given answers at once.
        var code = RedirectedTo(page.StatusCode == HttpStatusCode.OK ? await browser.AnswerConsentAsync(page, workspaceId) : page, app).Query["code"];
        var tokens = await host.RedeemAsync(app, code, verifier);
        Assert.True(tokens.Status == 200, tokens.Body.ToString());
        return tokens;
    }

    public static async Task<TokenResponse> ClientCredentialsAsync(this IAlbaHost host, RegisteredApp app, string? secret = null, string? scope = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = app.ClientId };
        if ((secret ?? app.Secret) is { } clientSecret)
        {
            form["client_secret"] = clientSecret;
        }

        if (scope is not null)
        {
            form["scope"] = scope;
        }

        return await host.TokenAsync(form);
    }

    /// <summary>What the API reads from an access token (null when it refuses it): through OpenIddict's own validation.</summary>
    public static async Task<ClaimsPrincipal?> PrincipalOfAsync(this IAlbaHost host, string accessToken)
    {
        await using var scope = host.Services.CreateAsyncScope();
        try
        {
            return await scope.ServiceProvider.GetRequiredService<OpenIddictValidationService>().ValidateAccessTokenAsync(accessToken);
        }
        catch (OpenIddict.Abstractions.OpenIddictExceptions.ValidationException)
        {
            return null;
        }
    }

    /// <summary>Whether the API accepts the token at all (any field's own answer aside).</summary>
    public static async Task<bool> AcceptsAsync(this IAlbaHost host, string accessToken) =>
        (await host.PostGraphQLAsync(accessToken, "{ __typename }")).Status != 401;

    public static JsonElement[] Nodes(JsonElement connection) =>
        [.. connection.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node"))];
}
