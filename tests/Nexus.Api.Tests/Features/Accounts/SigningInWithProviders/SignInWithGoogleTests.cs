using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Accounts.SigningInWithProviders;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Accounts.SigningInWithProviders;

/// <summary>
/// The API with Google sign-in configured exactly as in production (OpenIddict's Google web provider, issuer
/// https://accounts.google.com/), whose HTTP calls to Google's hosts land on a local <see cref="FakeGoogle"/>.
/// </summary>
public sealed class GoogleSignInFixture : ApiFixture, IAsyncLifetime
{
    public FakeGoogle Google { get; } = new();

    protected override string Purpose => "google";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Auth:Providers:Google:ClientId"] = FakeGoogle.ClientId,
        ["Nexus:Auth:Providers:Google:ClientSecret"] = FakeGoogle.ClientSecret,
    };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IConfigureOptions<HttpClientFactoryOptions>>(new FakeGoogle.ToStandIn(Google));

    // Re-implemented so the stand-in listens before the API starts and stops after it.
    async Task IAsyncLifetime.InitializeAsync()
    {
        await Google.StartAsync();
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Google.DisposeAsync();
    }
}

public sealed partial class SignInWithGoogleTests(GoogleSignInFixture api) : IClassFixture<GoogleSignInFixture>
{
    private const string MeQuery = "{ me { id email displayName emailVerified } }";
    private const string RedirectUri = "http://localhost:5173/auth/callback";

    [Fact]
    public async Task the_sign_in_page_offers_google_and_keeps_the_return_url()
    {
        using var browser = new Browser(api.Host);

        var html = await (await browser.GetAsync("/account/login?returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dnexus-web")).Content.ReadAsStringAsync();

        var link = ProviderLink().Match(html);
        Assert.True(link.Success, html);
        Assert.Equal("Continue with Google", link.Groups["text"].Value);
        Assert.Equal("/account/external/google?returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dnexus-web", WebUtility.HtmlDecode(link.Groups["href"].Value));
        Assert.DoesNotContain("Continue with Facebook", html);
    }

    [Fact]
    public async Task a_new_person_signs_in_with_google_through_the_authorize_flow_and_gets_an_account()
    {
        // Google's spelling of the address differs from the one Nexus keeps.
        var person = GooglePerson.Verified("  " + UniqueEmail("New.Person").ToUpperInvariant(), "Ada Lovelace");
        using var flow = new AuthorizeFlow(api);

        var loginPage = await flow.StartAsync();
        var callback = await flow.ContinueWithGoogleAsync(loginPage, person);
        var tokens = await flow.RedeemAsync(callback);

        var me = (await api.Host.PostGraphQLAsync(tokens.AccessToken, MeQuery)).Data.GetProperty("me");
        var email = person.Email!.Trim().ToLowerInvariant();
        Assert.Equal(email, me.GetProperty("email").GetString());
        Assert.Equal("Ada Lovelace", me.GetProperty("displayName").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
        Assert.Contains("POST /token", api.Google.Requests);
        Assert.Contains("GET /v1/userinfo", api.Google.Requests);

        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var account = await session.Query<User>().SingleAsync(u => u.Email == email);
        var events = (await session.Events.FetchStreamAsync(account.Id)).Select(e => e.Data).ToList();
        Assert.Equal(3, events.Count);
        Assert.IsType<UserRegistered>(events[0]);
        Assert.Equal(new EmailVerified(account.Id, email, account.RegisteredAt), events[1]);
        Assert.Equal(new ExternalLoginLinked(account.Id, "Google", person.Sub, account.RegisteredAt), events[2]);
        Assert.Equal(account.Id, (await session.LoadAsync<ExternalLogin>($"google:{person.Sub}"))!.UserId);
        // No password was ever set, so there is none to sign in with.
        Assert.Null(await session.LoadAsync<UserCredentials>(account.Id));
        Assert.Equal("invalid_grant", (await api.Host.PasswordGrantAsync(email, "correct horse battery staple")).Error);
    }

    [Fact]
    public async Task signing_in_again_finds_the_linked_account_by_the_google_id_even_after_the_email_changed()
    {
        var person = GooglePerson.Verified(UniqueEmail("again"));
        var first = await SignInAsync(person);

        var second = await SignInAsync(person with { Email = UniqueEmail("renamed") });

        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        Assert.Equal(person.Email, second.GetProperty("email").GetString());
    }

    [Fact]
    public async Task an_existing_password_account_with_the_same_verified_email_gets_google_linked()
    {
        var (email, password, tokens) = await VerifiedPasswordAccountAsync("Grace Hopper");
        var before = (await api.Host.PostGraphQLAsync(tokens.AccessToken, MeQuery)).Data.GetProperty("me");
        var person = GooglePerson.Verified(email.ToUpperInvariant(), "Someone Else");

        var me = await SignInAsync(person);

        Assert.Equal(before.GetProperty("id").GetString(), me.GetProperty("id").GetString());
        Assert.Equal("Grace Hopper", me.GetProperty("displayName").GetString());
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var account = await session.Query<User>().SingleAsync(u => u.Email == email);
        var linked = Assert.IsType<ExternalLoginLinked>((await session.Events.FetchStreamAsync(account.Id))[^1].Data);
        Assert.Equal((account.Id, "Google", person.Sub), (linked.UserId, linked.Provider, linked.ProviderUserId));
        // The password keeps working beside Google.
        Assert.Equal(200, (await api.Host.PasswordGrantAsync(email, password)).Status);
    }

    [Fact]
    public async Task an_account_that_never_confirmed_its_email_is_not_linked_even_to_a_verified_google_email()
    {
        // Someone signed up with the address first and never confirmed it: perhaps not its owner.
        var (email, password, _) = await api.Host.SignedUpUserAsync("Squatter");
        using var flow = new AuthorizeFlow(api);
        var loginPage = await flow.StartAsync();

        var refused = await flow.ContinueWithGoogleAsync(loginPage, GooglePerson.Verified(email, "Owner"));

        var html = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("its email address has not been confirmed yet", html);
        Assert.False(await IsSignedInAsync(flow.Browser));
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var account = await session.Query<User>().SingleAsync(u => u.Email == email);
        Assert.IsType<UserRegistered>(Assert.Single(await session.Events.FetchStreamAsync(account.Id)).Data);
        Assert.Equal(200, (await api.Host.PasswordGrantAsync(email, password)).Status);
    }

    [Fact]
    public async Task deleting_an_account_made_with_google_removes_the_link_and_masks_the_google_id()
    {
        var person = GooglePerson.Verified(UniqueEmail("leaving"));
        var (me, accessToken) = await SignInWithTokenAsync(person);

        var deleted = await api.Host.RunAsync(() => api.Host.PostGraphQLAsync(accessToken,
            "mutation ($c: String!) { deleteAccount(input: { confirmEmail: $c }) { done } }", new { c = person.Email }));

        Assert.True(deleted.Data.GetProperty("deleteAccount").GetProperty("done").GetBoolean());
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Null(await session.LoadAsync<ExternalLogin>($"google:{person.Sub}"));
        var linked = await session.Events.QueryRawEventDataOnly<ExternalLoginLinked>().Where(e => e.Provider == "Google").ToListAsync();
        Assert.DoesNotContain(linked, e => e.ProviderUserId == person.Sub);
        // The same Google account can start afresh.
        var again = await SignInAsync(person);
        Assert.NotEqual(me.GetProperty("id").GetString(), again.GetProperty("id").GetString());
    }

    [Fact]
    public async Task an_unverified_email_neither_links_to_the_existing_account_nor_creates_one()
    {
        var (email, _, _) = await api.Host.SignedUpUserAsync();
        var fresh = UniqueEmail("unverified");

        foreach (var person in new[] { new GooglePerson(NewSub(), email, false, "Mallory"), new GooglePerson(NewSub(), fresh, false, "Mallory"), new GooglePerson(NewSub(), null, false, "Mallory") })
        {
            using var flow = new AuthorizeFlow(api);
            var loginPage = await flow.StartAsync();

            var refused = await flow.ContinueWithGoogleAsync(loginPage, person);

            var html = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("Google did not confirm an email address for your account", html);
            Assert.Contains("<label for=\"email\">", html);
            Assert.StartsWith("/connect/authorize?", Browser.HiddenFields(html)["returnUrl"]);
            Assert.False(await IsSignedInAsync(flow.Browser));

            await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
            Assert.Null(await session.LoadAsync<ExternalLogin>($"google:{person.Sub}"));
        }

        await using (var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            var account = await session.Query<User>().SingleAsync(u => u.Email == email);
            Assert.IsType<UserRegistered>(Assert.Single(await session.Events.FetchStreamAsync(account.Id)).Data);
            Assert.False(await session.Query<User>().AnyAsync(u => u.Email == fresh));
        }
    }

    [Fact]
    public async Task refusing_consent_at_google_lands_on_the_sign_in_page_with_a_message()
    {
        using var flow = new AuthorizeFlow(api);
        var loginPage = await flow.StartAsync();

        var cancelled = await flow.ContinueWithGoogleAsync(loginPage, person: null);

        var html = await cancelled.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, cancelled.StatusCode);
        Assert.Contains("Sign-in with Google was cancelled.", html);
        Assert.Contains("role=\"alert\"", html);
        Assert.Contains("<label for=\"email\">", html);
        Assert.Contains("Continue with Google", html);
        // Still on the way back to the app: signing in with the password now resumes the authorization request.
        Assert.StartsWith("/connect/authorize?", Browser.HiddenFields(html)["returnUrl"]);
        Assert.False(await IsSignedInAsync(flow.Browser));
    }

    [Theory]
    [InlineData("tampered")]
    [InlineData("unknown")]
    [InlineData("missing")]
    [InlineData("replayed")]
    public async Task a_callback_with_a_bad_state_is_refused_without_signing_in(string kind)
    {
        using var flow = new AuthorizeFlow(api);
        var loginPage = await flow.StartAsync();
        var toGoogle = await flow.Browser.GetAsync(GoogleLink(await loginPage.Content.ReadAsStringAsync()));
        var back = await api.Google.ConsentAsync(toGoogle.Headers.Location!, GooglePerson.Verified(UniqueEmail("state")));
        var query = Browser.QueryOf(back);
        var state = query["state"];

        if (kind == "replayed")
        {
            var first = await flow.Browser.GetAsync(back.PathAndQuery);
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        }

        query["state"] = kind switch
        {
            "tampered" => state[..^4] + (state[^4] == 'A' ? "BBBB" : "AAAA"),
            "unknown" => "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            "missing" => "",
            _ => state,
        };
        using var stranger = new Browser(api.Host);
        var browser = kind == "replayed" ? flow.Browser : stranger;
        var response = await browser.GetAsync("/account/callback/google" +
            Microsoft.AspNetCore.Http.QueryString.Create(query.Where(p => p.Value.Length > 0).Select(p => KeyValuePair.Create(p.Key, (string?)p.Value))));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Sign-in with Google could not be completed.", await response.Content.ReadAsStringAsync());
        Assert.Null(response.Headers.Location);
        Assert.Equal(kind == "replayed", await IsSignedInAsync(browser));
    }

    [Fact]
    public async Task the_state_is_bound_to_the_browser_that_started_the_sign_in()
    {
        using var flow = new AuthorizeFlow(api);
        var loginPage = await flow.StartAsync();
        var toGoogle = await flow.Browser.GetAsync(GoogleLink(await loginPage.Content.ReadAsStringAsync()));
        var back = await api.Google.ConsentAsync(toGoogle.Headers.Location!, GooglePerson.Verified(UniqueEmail("victim")));

        // An attacker's own, valid callback URL replayed in someone else's browser signs nobody in there.
        using var victim = new Browser(api.Host);
        var response = await victim.GetAsync(back.PathAndQuery);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(await IsSignedInAsync(victim));
    }

    [Fact]
    public async Task an_external_sign_in_only_returns_to_local_urls()
    {
        using var browser = new Browser(api.Host);
        var person = GooglePerson.Verified(UniqueEmail("local"));

        var toGoogle = await browser.GetAsync("/account/external/google?returnUrl=" + Uri.EscapeDataString("https://evil.example/steal"));
        var back = await api.Google.ConsentAsync(toGoogle.Headers.Location!, person);
        var signedIn = await browser.GetAsync(back.PathAndQuery);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/account/login", signedIn.Headers.Location!.ToString());
        Assert.True(await IsSignedInAsync(browser));
    }

    [Fact]
    public async Task an_unknown_provider_is_not_found()
    {
        using var browser = new Browser(api.Host);

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/account/external/facebook")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/account/external/myspace")).StatusCode);
    }

    /// <summary>Signs <paramref name="person"/> in with Google through the whole flow and returns <c>me</c>.</summary>
    private async Task<JsonElement> SignInAsync(GooglePerson person) => (await SignInWithTokenAsync(person)).Me;

    private async Task<(JsonElement Me, string AccessToken)> SignInWithTokenAsync(GooglePerson person)
    {
        using var flow = new AuthorizeFlow(api);
        var loginPage = await flow.StartAsync();
        var callback = await flow.ContinueWithGoogleAsync(loginPage, person);
        var tokens = await flow.RedeemAsync(callback);
        return ((await api.Host.PostGraphQLAsync(tokens.AccessToken, MeQuery)).Data.GetProperty("me"), tokens.AccessToken);
    }

    /// <summary>A password account whose owner confirmed the email with the emailed link.</summary>
    private async Task<(string Email, string Password, TokenResponse Tokens)> VerifiedPasswordAccountAsync(string displayName)
    {
        var account = await api.Host.RunAsync(() => api.Host.SignedUpUserAsync(displayName));
        var token = api.Host.TokenFromMail(account.Email, "verify-email");
        await api.Host.QueryAsync("mutation ($t: String!) { verifyEmail(input: { token: $t }) { done } }", new { t = token });
        return account;
    }

    /// <summary>Whether the browser has a sign-in session: a silent (prompt=none) authorize request gets a code.</summary>
    private static async Task<bool> IsSignedInAsync(Browser browser)
    {
        var response = await browser.GetAsync($"/connect/authorize?client_id=nexus-web&response_type=code&scope=openid&prompt=none" +
            $"&redirect_uri={Uri.EscapeDataString(RedirectUri)}&code_challenge={OAuthClient.Pkce().Challenge}&code_challenge_method=S256");
        var query = Browser.QueryOf(response.Headers.Location!);
        Assert.True(query.ContainsKey("code") || query.GetValueOrDefault("error") == "login_required", response.Headers.Location!.ToString());
        return query.ContainsKey("code");
    }

    private static string GoogleLink(string html)
    {
        var link = ProviderLink().Match(html);
        Assert.True(link.Success, html);
        return WebUtility.HtmlDecode(link.Groups["href"].Value);
    }

    private static string UniqueEmail(string local) => $"{local}-{Guid.NewGuid():N}@example.com".ToLowerInvariant();

    private static string NewSub() => GooglePerson.NewSub();

    [GeneratedRegex("<a class=\"provider\" href=\"(?<href>[^\"]+)\">(?<text>[^<]+)</a>")]
    private static partial Regex ProviderLink();

    /// <summary>
    /// <c>nexus-web</c>'s authorization code flow with PKCE, in one browser, signing in on the sign-in page with
    /// Google (the stand-in) rather than a password.
    /// </summary>
    private sealed class AuthorizeFlow(GoogleSignInFixture api) : IDisposable
    {
        private readonly (string Verifier, string Challenge) _pkce = OAuthClient.Pkce();

        public Browser Browser { get; } = new(api.Host);

        public async Task<HttpResponseMessage> StartAsync()
        {
            var authorize = $"/connect/authorize?client_id=nexus-web&response_type=code&scope={Uri.EscapeDataString(OAuthClient.ApiScopes)}" +
                $"&redirect_uri={Uri.EscapeDataString(RedirectUri)}&state=app-state&code_challenge={_pkce.Challenge}&code_challenge_method=S256";
            var loginPage = await Browser.FollowAsync(await Browser.GetAsync(authorize));
            Assert.Equal(HttpStatusCode.OK, loginPage.StatusCode);
            return loginPage;
        }

        /// <summary>Clicks "Continue with Google", consents (or not) at Google, and follows the way back.</summary>
        public async Task<HttpResponseMessage> ContinueWithGoogleAsync(HttpResponseMessage loginPage, GooglePerson? person)
        {
            var toGoogle = await Browser.GetAsync(GoogleLink(await loginPage.Content.ReadAsStringAsync()));
            Assert.Equal(HttpStatusCode.Redirect, toGoogle.StatusCode);
            Assert.StartsWith(FakeGoogle.AuthorizationEndpoint + "?", toGoogle.Headers.Location!.ToString());

            var back = await api.Google.ConsentAsync(toGoogle.Headers.Location!, person);

            Assert.Equal("http://localhost/account/callback/google", back.GetLeftPart(UriPartial.Path));
            return await Browser.FollowAsync(await Browser.GetAsync(back.PathAndQuery));
        }

        public async Task<TokenResponse> RedeemAsync(HttpResponseMessage callback)
        {
            Assert.True(callback.StatusCode == HttpStatusCode.Redirect, $"{callback.StatusCode}: {await callback.Content.ReadAsStringAsync()}");
            Assert.StartsWith(RedirectUri, callback.Headers.Location!.ToString());
            var query = Browser.QueryOf(callback.Headers.Location);
            Assert.Equal("app-state", query["state"]);
            var tokens = await api.Host.TokenAsync(new()
            {
                ["grant_type"] = "authorization_code",
                ["client_id"] = "nexus-web",
                ["code"] = query["code"],
                ["redirect_uri"] = RedirectUri,
                ["code_verifier"] = _pkce.Verifier,
            });
            Assert.True(tokens.Status == 200, tokens.Body.ToString());
            return tokens;
        }

        public void Dispose() => Browser.Dispose();
    }
}
