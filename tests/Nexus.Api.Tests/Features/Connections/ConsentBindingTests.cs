using System.Net;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Connections;

/// <summary>
/// A consent belongs to the browser and the admin that started it (OAuth login CSRF): a consent page opened by
/// someone else, a begin link used twice, or an admin removed meanwhile connects nothing.
/// </summary>
public sealed class ConsentBindingTests(ConnectionsFixture api) : IClassFixture<ConnectionsFixture>
{
    private static readonly string[] SomeAccount = ["x"];

    [Fact]
    public async Task someone_else_approving_the_consent_page_connects_nothing_into_the_workspace()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var other = await api.Host.PersonAsync("Other");
        await api.Host.CreateWorkspaceAsync(other);
        using var adminBrowser = new Browser(api.Host);
        var consentPage = await adminBrowser.OpenAsync(await api.Host.StartSandboxAsync(admin, workspace));
        var consentUrl = consentPage.RequestMessage!.RequestUri!;

        // The page reaches another person (shared, leaked, sent on purpose); they sign in at the platform and approve.
        using var otherBrowser = new Browser(api.Host);
        var stolen = await otherBrowser.ConsentOnPageAsync(await otherBrowser.OpenAsync(consentUrl.ToString()));

        Assert.Equal("error", stolen.Outcome);
        Assert.StartsWith("browser_mismatch", stolen.Reason);
        Assert.Equal(0, (await api.Host.ConnectionsAsync(admin, workspace)).GetArrayLength());

        // The refusal did not spend the attempt: the browser that began it can still finish.
        var own = await adminBrowser.ConsentOnPageAsync(consentPage);
        Assert.True(own.Outcome == "connected", own.Reason);
    }

    [Fact]
    public async Task the_begin_link_works_once_binds_with_a_scoped_http_only_cookie_and_never_reveals_the_consent_url_twice()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var link = await api.Host.StartSandboxAsync(admin, workspace);
        Assert.StartsWith("http://localhost/oauth/begin/", link);

        using var first = new Browser(api.Host);
        var begun = await first.GetAsync(new Uri(link).PathAndQuery);
        using var second = new Browser(api.Host);
        var again = await second.GetAsync(new Uri(link).PathAndQuery);

        Assert.Equal(HttpStatusCode.Redirect, begun.StatusCode);
        Assert.StartsWith("http://localhost/sandbox/oauth/authorize?", begun.Headers.Location!.ToString());
        var cookie = Assert.Single(begun.Headers.GetValues("Set-Cookie"));
        Assert.Contains("path=/oauth/callback/sandbox", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase); // the cookie policy, outside Development
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.StartsWith("http://localhost:5173/connections/callback?outcome=error", again.Headers.Location!.ToString());
        Assert.StartsWith("invalid_link", Browser.QueryOf(again.Headers.Location!)["reason"]);
        Assert.False(again.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task a_browser_signed_in_to_nexus_as_someone_else_cannot_begin_the_attempt()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var victim = await api.Host.PersonAsync("Victim");
        var link = await api.Host.StartSandboxAsync(admin, workspace);
        using var victimBrowser = await SignedInBrowserAsync(victim);
        using var adminBrowser = await SignedInBrowserAsync(admin);

        var refused = await victimBrowser.GetAsync(new Uri(link).PathAndQuery);
        var own = await adminBrowser.OpenAsync(link);

        Assert.StartsWith("wrong_user", Browser.QueryOf(refused.Headers.Location!)["reason"]);
        Assert.False(refused.Headers.Contains("Set-Cookie"));
        Assert.True(own.StatusCode == HttpStatusCode.OK, $"{own.StatusCode} {own.Headers.Location}");
    }

    [Fact]
    public async Task a_forged_begin_key_is_refused()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var link = new Uri(await api.Host.StartSandboxAsync(admin, workspace));
        using var browser = new Browser(api.Host);

        var forged = await browser.GetAsync(link.AbsolutePath + "?key=not-the-key");
        var malformed = await browser.GetAsync("/oauth/begin/not-an-id?key=x");
        var genuine = await browser.OpenAsync(link.ToString());

        Assert.StartsWith("invalid_link", Browser.QueryOf(forged.Headers.Location!)["reason"]);
        Assert.StartsWith("invalid_link", Browser.QueryOf(malformed.Headers.Location!)["reason"]);
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
    }

    /// <summary>A browser signed in on Nexus's own sign-in page (the password every test person has).</summary>
    private async Task<Browser> SignedInBrowserAsync(Person person)
    {
        var browser = new Browser(api.Host);
        var form = Browser.HiddenFields(await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync());
        form["email"] = person.Email;
        form["password"] = "correct horse battery staple";
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostFormAsync("/account/login", form)).StatusCode);
        return browser;
    }

    [Fact]
    public async Task an_admin_removed_while_consenting_connects_nothing()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, admin, "ADMIN");
        using var browser = new Browser(api.Host);
        var callback = await browser.DecideAsync(await browser.OpenAsync(await api.Host.StartSandboxAsync(admin, workspace)));

        var removed = await api.Host.MutateAsync(owner, "removeMember", "RemoveMemberInput", new { workspaceId = workspace, userId = admin.UserId });
        Assert.Equal(0, removed.GetProperty("errors").GetArrayLength());
        var result = await browser.CallbackAsync(callback);

        Assert.Equal("forbidden", result.Outcome);
        Assert.Empty(result.Connections);
        Assert.Equal(0, (await api.Host.ConnectionsAsync(owner, workspace)).GetArrayLength());
    }

    [Fact]
    public async Task an_admin_demoted_before_choosing_accounts_connects_nothing()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, admin, "ADMIN");
        var consent = await api.Host.ConsentAsync(await api.Host.StartSandboxAsync(admin, workspace), pages: true);
        Assert.Equal("choose", consent.Outcome);

        await api.Host.MutateAsync(owner, "changeMemberRole", "ChangeMemberRoleInput", new { workspaceId = workspace, userId = admin.UserId, role = "EDITOR" });
        var response = await api.Host.AsAsync(admin, "mutation ($input: ConnectChosenAccountsInput!) { connectChosenAccounts(input: $input) { connections { id } } }",
            new { input = new { choiceId = consent.Choice, externalIds = SomeAccount } });

        Assert.Equal(["FORBIDDEN"], response.ErrorCodes);
        Assert.Equal(0, (await api.Host.ConnectionsAsync(owner, workspace)).GetArrayLength());
    }
}

/// <summary>
/// A pending account choice is the consenting admin's alone, and ids that name nothing and ids that name something
/// of another workspace (or person) get the same answer, so an id's existence cannot be probed.
/// </summary>
public sealed class ConnectionIdTests(ConnectionsFixture api) : IClassFixture<ConnectionsFixture>
{
    private static readonly string[] SomeAccount = ["x"];

    private const string ConnectChosen = "mutation ($input: ConnectChosenAccountsInput!) { connectChosenAccounts(input: $input) { connections { id } errors { __typename } } }";
    private const string Disconnect = "mutation ($input: DisconnectAccountInput!) { disconnectAccount(input: $input) { connection { id } errors { __typename } } }";

    [Fact]
    public async Task another_admin_cannot_see_or_use_a_choice_meant_for_the_admin_who_consented()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, admin, "ADMIN");
        var consent = await api.Host.ConsentAsync(await api.Host.StartSandboxAsync(owner, workspace), pages: true);
        var unknown = GlobalId.Encode("AccountChoice", Guid.CreateVersion7());

        var used = await api.Host.AsAsync(admin, ConnectChosen, new { input = new { choiceId = consent.Choice, externalIds = SomeAccount } });
        var usedUnknown = await api.Host.AsAsync(admin, ConnectChosen, new { input = new { choiceId = unknown, externalIds = SomeAccount } });
        var seen = await api.Host.AsAsync(admin, "query ($id: ID!) { accountChoice(id: $id) { platform } node(id: $id) { id } }", new { id = consent.Choice });

        Assert.Equal(["FORBIDDEN"], used.ErrorCodes);
        Assert.Equal(Answer(usedUnknown), Answer(used));
        Assert.Equal(JsonValueKindNull, seen.Data.GetProperty("accountChoice").ValueKind);
        Assert.Equal(JsonValueKindNull, seen.Data.GetProperty("node").ValueKind);
        Assert.Equal(0, (await api.Host.ConnectionsAsync(owner, workspace)).GetArrayLength());
    }

    [Fact]
    public async Task unknown_and_foreign_connection_and_choice_ids_answer_alike()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var choice = (await api.Host.ConsentAsync(await api.Host.StartSandboxAsync(owner, workspace), pages: true)).Choice!;
        var outsider = await api.Host.PersonAsync("Outsider");
        await api.Host.CreateWorkspaceAsync(outsider);
        var unknownConnection = GlobalId.Encode("Connection", Guid.CreateVersion7());
        var unknownChoice = GlobalId.Encode("AccountChoice", Guid.CreateVersion7());

        async Task<string> AsOutsider(string query, object variables) => Answer(await api.Host.AsAsync(outsider, query, variables));

        Assert.Equal(
            await AsOutsider(Disconnect, new { input = new { connectionId = unknownConnection } }),
            await AsOutsider(Disconnect, new { input = new { connectionId = connection } }));
        Assert.Equal(
            await AsOutsider(ConnectChosen, new { input = new { choiceId = unknownChoice, externalIds = SomeAccount } }),
            await AsOutsider(ConnectChosen, new { input = new { choiceId = choice, externalIds = SomeAccount } }));
        const string Node = "query ($id: ID!) { node(id: $id) { id } }";
        Assert.Equal(await AsOutsider(Node, new { id = unknownConnection }), await AsOutsider(Node, new { id = connection }));
        Assert.Equal(await AsOutsider(Node, new { id = unknownChoice }), await AsOutsider(Node, new { id = choice }));
        const string Choice = "query ($id: ID!) { accountChoice(id: $id) { platform } }";
        Assert.Equal(await AsOutsider(Choice, new { id = unknownChoice }), await AsOutsider(Choice, new { id = choice }));
        Assert.Contains("FORBIDDEN", await AsOutsider(Disconnect, new { input = new { connectionId = unknownConnection } }));
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    /// <summary>What a caller can tell from an answer: status, data and errors without their locations.</summary>
    private static string Answer(GraphQLResponse response) =>
        $"{response.Status} {(response.Body.TryGetProperty("data", out var data) ? data.ToString() : "")} " +
        string.Join(" | ", response.Errors.Select(e => $"{e.GetProperty("extensions").GetProperty("code").GetString()}: {e.GetProperty("message").GetString()}"));
}
