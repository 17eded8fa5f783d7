using System.Text.Json;
using Npgsql;
using Nexus.Api.Features.Apps;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using OpenIddict.Abstractions;

namespace Nexus.Api.Tests.Features.Apps;

[Collection(ApiCollection.Name)]
public sealed class AppRegistrationTests(ApiFixture api)
{
    private const string Register = "mutation ($input: RegisterAppInput!) { registerApp(input: $input) { " + AppScenarios.Registration +
        " errors { __typename ... on Error { code message path } } } }";

    public static TheoryData<string[], string[], string> Refused => new()
    {
        { ["http://app.example/cb"], ["posts:read"], "https" },
        { ["https://app.example/cb#top"], ["posts:read"], "fragment" },
        { ["/relative/cb"], ["posts:read"], "absolute" },
        { ["https://user:pw@app.example/cb"], ["posts:read"], "user info" },
        { ["http://localhost:8080/cb"], ["posts:read"], "https" },
        { [], ["posts:read"], "redirect URIs" },
        { [.. Enumerable.Range(0, 11).Select(i => $"https://app.example/cb{i}")], ["posts:read"], "redirect URIs" },
        { ["https://app.example/" + new string('a', 2000)], ["posts:read"], "characters" },
        { ["https://app.example/cb", "https://app.example/cb"], ["posts:read"], "twice" },
        { ["https://app.example/cb"], ["posts:delete"], "not a scope" },
        { ["https://app.example/cb"], ["nexus"], "not a scope" },
        { ["https://app.example/cb"], ["openid", "profile"], "app scopes" },
        { ["https://app.example/cb"], [], "app scopes" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task a_registration_with_bad_redirect_uris_or_scopes_is_refused_with_a_validation_error(string[] redirectUris, string[] scopes, string says)
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);

        var payload = (await api.Host.AsAsync(admin, Register, new { input = new { workspaceId = workspace, name = "App", redirectUris, scopes, confidential = false } }))
            .Data.GetProperty("registerApp");

        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal("VALIDATION", error.GetProperty("code").GetString());
        Assert.Contains(says, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("app").ValueKind);
        Assert.Equal(0, (await AppsOf(admin, workspace)).Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task an_app_needs_a_name(string name)
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);

        var payload = (await api.Host.AsAsync(admin, Register,
            new { input = new { workspaceId = workspace, name, redirectUris = new[] { AppScenarios.RedirectUri }, scopes = new[] { "posts:read" }, confidential = false } }))
            .Data.GetProperty("registerApp");

        Assert.Equal(["VALIDATION"], WorkspaceScenarios.ErrorCodesOf(payload));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8765/callback")]
    [InlineData("http://[::1]:8765/callback")]
    [InlineData("https://app.example/callback?tenant=1")]
    public async Task native_apps_may_redirect_to_a_loopback_address_over_http(string redirectUri)
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);

        var app = await api.Host.RegisterAppAsync(admin, workspace, redirectUri: redirectUri);

        Assert.Equal(redirectUri, Assert.Single((await AppsOf(admin, workspace))[0].GetProperty("redirectUris").EnumerateArray()).GetString());
        Assert.StartsWith("app_", app.ClientId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_confidential_apps_secret_is_shown_once_and_stored_only_hashed()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);

        var app = await api.Host.RegisterAppAsync(admin, workspace, confidential: true, scopes: ["posts:read", "analytics:read"]);

        Assert.False(string.IsNullOrEmpty(app.Secret));
        var listed = Assert.Single(await AppsOf(admin, workspace));
        Assert.Equal(app.ClientId, listed.GetProperty("clientId").GetString());
        Assert.True(listed.GetProperty("confidential").GetBoolean());
        Assert.Equal(["posts:read", "analytics:read"], listed.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.DoesNotContain(app.Secret, (await api.Host.AsAsync(admin, "query ($id: ID!) { node(id: $id) { ... on App { name clientId } } }", new { id = app.Id })).Body.ToString());

        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using (var stored = new NpgsqlCommand("""select "ClientSecret", "ClientType" from identity."OpenIddictApplications" where "ClientId" = $1""", connection) { Parameters = { new() { Value = app.ClientId } } })
        await using (var reader = await stored.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.DoesNotContain(app.Secret, reader.GetString(0), StringComparison.Ordinal);
            Assert.True(reader.GetString(0).Length > 40);
            Assert.Equal(OpenIddictConstants.ClientTypes.Confidential, reader.GetString(1));
        }

        GlobalId.TryParse(app.Id, "App", out var appId);
        await using var events = new NpgsqlCommand("select string_agg(data::text, ' ') from nexus.mt_events where stream_id = $1", connection) { Parameters = { new() { Value = appId } } };
        var written = (string)(await events.ExecuteScalarAsync())!;
        Assert.Contains(app.ClientId, written, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Secret, written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_public_app_gets_no_secret_and_cannot_use_client_credentials()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);

        var app = await api.Host.RegisterAppAsync(admin, workspace);
        var tokens = await api.Host.ClientCredentialsAsync(app);

        Assert.Null(app.Secret);
        Assert.NotEqual(200, tokens.Status);
        Assert.NotNull(tokens.Error);
    }

    [Fact]
    public async Task client_credentials_give_a_confidential_app_a_token_for_its_workspace_and_its_scopes_only()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var app = await api.Host.RegisterAppAsync(admin, workspace, confidential: true, scopes: ["posts:read", "analytics:read"]);

        var all = await api.Host.ClientCredentialsAsync(app);
        var one = await api.Host.ClientCredentialsAsync(app, scope: "analytics:read");
        var more = await api.Host.ClientCredentialsAsync(app, scope: "posts:write");
        var wrong = await api.Host.ClientCredentialsAsync(app, secret: "not-the-secret");

        Assert.True(all.Status == 200, all.Body.ToString());
        var principal = (await api.Host.PrincipalOfAsync(all.AccessToken))!;
        GlobalId.TryParse(workspace, "Workspace", out var workspaceId);
        GlobalId.TryParse(app.Id, "App", out var appId);
        Assert.Equal(workspaceId, principal.BoundWorkspace());
        Assert.Equal(appId, principal.AppId());
        Assert.Equal(["analytics:read", "posts:read"], principal.GetScopes().Order(StringComparer.Ordinal));
        Assert.Equal(["analytics:read"], (await api.Host.PrincipalOfAsync(one.AccessToken))!.GetScopes().ToArray());
        // OpenIddict refuses a scope without the app's permission before Nexus's code runs.
        Assert.Equal(400, more.Status);
        Assert.Contains("scope", more.ErrorDescription, StringComparison.Ordinal);
        Assert.Equal("invalid_client", wrong.Error);
        Assert.True(await api.Host.AcceptsAsync(all.AccessToken));
    }

    [Fact]
    public async Task rotating_the_secret_stops_the_old_one_and_the_apps_own_tokens_at_once()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var app = await api.Host.RegisterAppAsync(admin, workspace, confidential: true);
        var before = await api.Host.ClientCredentialsAsync(app);

        var payload = await api.Host.MutateAsync(admin, "rotateAppSecret", "RotateAppSecretInput", new { appId = app.Id }, "app { clientId } clientSecret");
        var secret = payload.GetProperty("clientSecret").GetString()!;

        Assert.NotEqual(app.Secret, secret);
        Assert.Equal("invalid_client", (await api.Host.ClientCredentialsAsync(app)).Error);
        Assert.Equal(200, (await api.Host.ClientCredentialsAsync(app, secret)).Status);
        Assert.False(await api.Host.AcceptsAsync(before.AccessToken));
    }

    [Fact]
    public async Task a_public_app_has_no_secret_to_rotate()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var app = await api.Host.RegisterAppAsync(admin, workspace);

        var payload = await api.Host.MutateAsync(admin, "rotateAppSecret", "RotateAppSecretInput", new { appId = app.Id }, "clientSecret");

        Assert.Equal(["NOT_CONFIDENTIAL"], WorkspaceScenarios.ErrorCodesOf(payload));
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("clientSecret").ValueKind);
    }

    [Fact]
    public async Task a_deleted_app_disappears_and_its_people_grants_and_own_tokens_stop_at_once()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var app = await api.Host.RegisterAppAsync(admin, workspace, confidential: true);
        var own = await api.Host.ClientCredentialsAsync(app);
        var granted = await api.Host.ConsentedTokensAsync(admin, app, workspace);
        Assert.True(await api.Host.AcceptsAsync(granted.AccessToken));

        var payload = await api.Host.MutateAsync(admin, "deleteApp", "DeleteAppInput", new { appId = app.Id }, "done");

        Assert.True(payload.GetProperty("done").GetBoolean());
        Assert.Empty(await AppsOf(admin, workspace));
        Assert.False(await api.Host.AcceptsAsync(own.AccessToken));
        Assert.False(await api.Host.AcceptsAsync(granted.AccessToken));
        Assert.Equal("invalid_client", (await api.Host.ClientCredentialsAsync(app)).Error);
        Assert.NotEqual(200, (await api.Host.RefreshAsync(granted.RefreshToken, app.ClientId)).Status);
        Assert.Equal(JsonValueKind.Null, (await api.Host.AsAsync(admin, "query ($id: ID!) { node(id: $id) { id } }", new { id = app.Id })).Data.GetProperty("node").ValueKind);
        Assert.True((await api.Host.MutateAsync(admin, "deleteApp", "DeleteAppInput", new { appId = app.Id }, "done")).GetProperty("done").GetBoolean());
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(await api.Host.MutateAsync(admin, "rotateAppSecret", "RotateAppSecretInput", new { appId = app.Id }, "clientSecret")));

    }

    [Fact]
    public async Task apps_are_listed_oldest_first_a_page_at_a_time()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var first = await api.Host.RegisterAppAsync(admin, workspace, name: "First");
        var second = await api.Host.RegisterAppAsync(admin, workspace, name: "Second");
        var third = await api.Host.RegisterAppAsync(admin, workspace, name: "Third");

        var page = (await api.Host.AsAsync(admin, "query ($id: ID!) { workspace(id: $id) { apps(first: 2) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }", new { id = workspace }))
            .Data.GetProperty("workspace").GetProperty("apps");
        var next = (await api.Host.AsAsync(admin, "query ($id: ID!, $after: String) { workspace(id: $id) { apps(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage } } } }",
            new { id = workspace, after = page.GetProperty("pageInfo").GetProperty("endCursor").GetString() })).Data.GetProperty("workspace").GetProperty("apps");

        Assert.Equal([first.Id, second.Id], AppScenarios.Nodes(page).Select(n => n.GetProperty("id").GetString()));
        Assert.True(page.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        Assert.Equal([third.Id], AppScenarios.Nodes(next).Select(n => n.GetProperty("id").GetString()));
        Assert.False(next.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
    }

    private async Task<JsonElement[]> AppsOf(Person admin, string workspace) =>
        AppScenarios.Nodes((await api.Host.AsAsync(admin,
            "query ($id: ID!) { workspace(id: $id) { apps { edges { node { id name clientId redirectUris scopes confidential createdAt } } } } }", new { id = workspace }))
            .Data.GetProperty("workspace").GetProperty("apps"));
}
