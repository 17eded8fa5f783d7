using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Connections;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Nexus.Api.Tests.Infrastructure.Email;
using Npgsql;
using Vault = Nexus.Api.Infrastructure.TokenVault.TokenVault;

namespace Nexus.Api.Tests.Features.Connections;

/// <summary>The API with short-lived sandbox tokens and every log line captured.</summary>
public sealed class ConnectionsFixture : ApiFixture
{
    public CapturedLogs Logs { get; } = new();

    protected override string Purpose => "connections";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Platforms:Sandbox:AccessTokenLifetime"] = "00:00:04",
    };

    protected override void ConfigureServices(IServiceCollection services) => Logs.AddTo(services);
}

public sealed class ConnectionTests(ConnectionsFixture api) : IClassFixture<ConnectionsFixture>
{
    [Fact]
    public async Task an_admin_connects_a_sandbox_account_through_its_consent_page()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);

        var connection = await api.Host.ConnectSandboxAsync(admin, workspace);

        var listed = Assert.Single((await api.Host.ConnectionsAsync(admin, workspace)).EnumerateArray());
        Assert.Equal(connection, listed.GetProperty("id").GetString());
        Assert.Equal(("SANDBOX", "Sandbox User", "PERSON", "ACTIVE"),
            (listed.GetProperty("platform").GetString(), listed.GetProperty("name").GetString(), listed.GetProperty("kind").GetString(), listed.GetProperty("status").GetString()));
        GlobalId.TryParse(connection, "Connection", out var id);
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.IsType<AccountConnected>(Assert.Single(await session.Events.FetchStreamAsync(id)).Data);
    }

    [Fact]
    public async Task connecting_the_same_account_again_reconnects_it()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var first = await api.Host.ConnectSandboxAsync(admin, workspace);

        var result = await api.Host.ConsentAsync(await api.Host.StartSandboxAsync(admin, workspace));

        Assert.Equal("connected", result.Outcome);
        Assert.NotEqual(first, Assert.Single(result.Connections));
        Assert.Equal(2, (await api.Host.ConnectionsAsync(admin, workspace)).GetArrayLength());
    }

    [Fact]
    public async Task denying_consent_connects_nothing_and_says_so()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);

        var result = await api.Host.ConsentAsync(await api.Host.StartSandboxAsync(admin, workspace), approve: false);

        Assert.Equal("denied", result.Outcome);
        Assert.Contains("declined", result.Reason);
        Assert.Equal(0, (await api.Host.ConnectionsAsync(admin, workspace)).GetArrayLength());
    }

    [Fact]
    public async Task a_state_works_once_and_a_forged_one_not_at_all()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var first = await api.Host.ConsentAsync(await api.Host.StartSandboxAsync(admin, workspace));

        var replayed = await api.Host.CallbackAgainAsync(first.CallbackUrl);
        var forged = await api.Host.CallbackAgainAsync(new Uri("http://localhost/oauth/callback/sandbox?code=abc&state=not-a-real-state"));

        Assert.Equal("connected", first.Outcome);
        Assert.Equal("error", replayed.Outcome);
        Assert.StartsWith("invalid_state", replayed.Reason);
        Assert.StartsWith("invalid_state", forged.Reason);
    }

    [Fact]
    public async Task a_grant_covering_several_accounts_lets_the_admin_choose()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var result = await api.Host.ConsentAsync(await api.Host.StartSandboxAsync(admin, workspace), pages: true);
        Assert.Equal("choose", result.Outcome);

        var choice = (await api.Host.AsAsync(admin, "query ($id: ID!) { accountChoice(id: $id) { accounts { externalId kind } } }", new { id = result.Choice }))
            .Data.GetProperty("accountChoice").GetProperty("accounts").EnumerateArray().ToList();
        var pages = choice.Where(a => a.GetProperty("kind").GetString() == "PAGE").Select(a => a.GetProperty("externalId").GetString()).ToArray();
        var connected = await api.Host.MutateAsync(admin, "connectChosenAccounts", "ConnectChosenAccountsInput",
            new { choiceId = result.Choice, externalIds = pages }, "connections { name kind }");

        Assert.Equal(3, choice.Count);
        Assert.Equal(["Sandbox Page One", "Sandbox Page Two"], connected.GetProperty("connections").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order());
        Assert.Equal(2, (await api.Host.ConnectionsAsync(admin, workspace)).GetArrayLength());
    }

    [Fact]
    public async Task disconnecting_revokes_at_the_platform_and_deletes_the_tokens()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var connection = await api.Host.ConnectSandboxAsync(admin, workspace);
        GlobalId.TryParse(connection, "Connection", out var id);
        var tokens = await TokensAsync(id);

        var payload = await api.Host.MutateAsync(admin, "disconnectAccount", "DisconnectAccountInput", new { connectionId = connection }, "connection { status }");

        Assert.Equal("DISCONNECTED", payload.GetProperty("connection").GetProperty("status").GetString());
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Null(await session.LoadAsync<ConnectionSecrets>(id));
        using var client = api.Host.Server.CreateClient();
        using var me = new HttpRequestMessage(HttpMethod.Get, "/sandbox/api/me");
        me.Headers.Authorization = new("Bearer", tokens.AccessTokenFor);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.SendAsync(me)).StatusCode);
    }

    [Fact]
    public async Task an_unconfigured_platform_cannot_be_connected()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);

        var payload = await api.Host.MutateAsync(admin, "startConnection", "StartConnectionInput", new { workspaceId = workspace, platform = "X" }, "authorizationUrl");

        Assert.Equal(["PLATFORM_NOT_CONFIGURED"], WorkspaceScenarios.ErrorCodesOf(payload));
    }

    [Fact]
    public async Task an_expiring_token_is_refreshed_before_it_expires()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var connection = await api.Host.ConnectSandboxAsync(admin, workspace);
        GlobalId.TryParse(connection, "Connection", out var id);
        var before = await TokensAsync(id);
        var expiry = before.Grant.ExpiresAt!.Value;

        var refreshedAt = await WaitForAsync(id, events => events.OfType<ConnectionTokensRefreshed>().Any(), TimeSpan.FromSeconds(15));

        Assert.True(refreshedAt < expiry, $"refreshed at {refreshedAt:O}, after the expiry at {expiry:O}");
        var after = await TokensAsync(id);
        Assert.NotEqual(before.Grant.RefreshToken, after.Grant.RefreshToken);
        Assert.Equal("ACTIVE", Assert.Single((await api.Host.ConnectionsAsync(admin, workspace)).EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task a_platform_refusing_the_tokens_marks_the_connection_needs_reauth_with_the_reason()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var connection = await api.Host.ConnectSandboxAsync(admin, workspace);
        GlobalId.TryParse(connection, "Connection", out var id);
        var tokens = await TokensAsync(id);
        using var client = api.Host.Server.CreateClient();
        await client.PostAsync("/sandbox/oauth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = tokens.Grant.RefreshToken! }));

        await WaitForAsync(id, events => events.OfType<ConnectionNeedsReauth>().Any(), TimeSpan.FromSeconds(15));

        var listed = Assert.Single((await api.Host.ConnectionsAsync(admin, workspace)).EnumerateArray());
        Assert.Equal("NEEDS_REAUTH", listed.GetProperty("status").GetString());
        Assert.Contains("Reconnect", listed.GetProperty("statusReason").GetString());
    }

    [Fact]
    public async Task no_token_is_stored_in_plaintext_in_the_database_the_events_or_the_logs()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var connection = await api.Host.ConnectSandboxAsync(admin, workspace);
        GlobalId.TryParse(connection, "Connection", out var id);
        var tokens = await TokensAsync(id);
        var secrets = new[] { tokens.Grant.AccessToken, tokens.Grant.RefreshToken! };

        await using var db = new NpgsqlConnection(api.ConnectionString);
        await db.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("select format('%I.%I', table_schema, table_name) from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'", db))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("nexus.mt_events", tables);
        foreach (var table in tables)
        {
            await using var scan = new NpgsqlCommand($"select count(*) from {table} t where t::text like @a or t::text like @r", db);
            scan.Parameters.AddWithValue("a", "%" + secrets[0] + "%");
            scan.Parameters.AddWithValue("r", "%" + secrets[1] + "%");
            Assert.True((long)(await scan.ExecuteScalarAsync())! == 0, $"a token is stored in plaintext in {table}");
        }

        Assert.All(secrets, secret => Assert.DoesNotContain(secret, api.Logs.Text));
        var graphql = await api.Host.AsAsync(admin, "query ($id: ID!) { node(id: $id) { ... on Connection { id name scopes tokenExpiresAt } } }", new { id = connection });
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, graphql.Body.ToString()));
    }

    private async Task<ConnectionTokens> TokensAsync(Guid id)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var secrets = await session.LoadAsync<ConnectionSecrets>(id);
        return secrets!.Open(api.Host.Services.GetRequiredService<Vault>());
    }

    private async Task<DateTimeOffset> WaitForAsync(Guid stream, Func<IEnumerable<object>, bool> condition, TimeSpan limit)
    {
        var store = api.Host.Services.GetRequiredService<IDocumentStore>();
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            await using var session = store.QuerySession();
            var events = await session.Events.FetchStreamAsync(stream);
            if (condition(events.Select(e => e.Data)))
            {
                return events[^1].Timestamp;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Stream {stream} did not reach the expected state within {limit}.");
    }
}

public sealed class TokenKeyRotationTests(ConnectionsFixture api) : IClassFixture<ConnectionsFixture>
{
    [Fact]
    public async Task rotating_keys_reseals_every_secret_under_the_new_key()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var connection = await api.Host.ConnectSandboxAsync(admin, workspace);
        GlobalId.TryParse(connection, "Connection", out var id);
        var store = api.Host.Services.GetRequiredService<IDocumentStore>();
        var current = api.Host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Nexus.Api.Infrastructure.TokenVault.TokenVaultOptions>>().Value.Keys[0];
        var rotated = new Vault(Microsoft.Extensions.Options.Options.Create(new Nexus.Api.Infrastructure.TokenVault.TokenVaultOptions
        {
            Keys = [new() { Id = "rotated-" + Guid.NewGuid().ToString("N")[..8], Key = Vault.NewKey() }, current],
        }));

        var report = await TokenKeyRotation.RunAsync(store, rotated, CancellationToken.None);

        Assert.True(report.Connections >= 1);
        await using var session = store.QuerySession();
        var secrets = (await session.LoadAsync<ConnectionSecrets>(id))!;
        Assert.Equal(rotated.ActiveKeyId, secrets.Tokens.KeyId);
        Assert.StartsWith("sbx_at_", secrets.Open(rotated).Grant.AccessToken);
        Assert.Equal(0, (await TokenKeyRotation.RunAsync(store, rotated, CancellationToken.None)).Connections);
    }
}

public sealed class SharedGrantTests(ConnectionsFixture api) : IClassFixture<ConnectionsFixture>
{
    private static readonly string[] UnknownAccount = ["x"];

    [Fact]
    public async Task disconnecting_one_of_several_accounts_from_one_consent_keeps_the_others_working()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var consent = await api.Host.ConsentAsync(await api.Host.StartSandboxAsync(admin, workspace), pages: true);
        var both = await api.Host.MutateAsync(admin, "connectChosenAccounts", "ConnectChosenAccountsInput",
            new { choiceId = consent.Choice, externalIds = UnknownAccount }, "connections { id }");
        Assert.Equal("NOT_FOUND", both.GetProperty("errors")[0].GetProperty("code").GetString());
        var choice = (await api.Host.AsAsync(admin, "query ($id: ID!) { accountChoice(id: $id) { accounts { externalId kind } } }", new { id = consent.Choice }))
            .Data.GetProperty("accountChoice").GetProperty("accounts").EnumerateArray()
            .Where(a => a.GetProperty("kind").GetString() == "PAGE").Select(a => a.GetProperty("externalId").GetString()).ToArray();
        var connected = (await api.Host.MutateAsync(admin, "connectChosenAccounts", "ConnectChosenAccountsInput",
            new { choiceId = consent.Choice, externalIds = choice }, "connections { id }")).GetProperty("connections").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToArray();

        await api.Host.MutateAsync(admin, "disconnectAccount", "DisconnectAccountInput", new { connectionId = connected[0] }, "connection { status }");

        GlobalId.TryParse(connected[1], "Connection", out var other);
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var tokens = (await session.LoadAsync<ConnectionSecrets>(other))!.Open(api.Host.Services.GetRequiredService<Vault>());
        using var client = api.Host.Server.CreateClient();
        using var me = new HttpRequestMessage(HttpMethod.Get, "/sandbox/api/me");
        me.Headers.Authorization = new("Bearer", tokens.AccessTokenFor);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.SendAsync(me)).StatusCode);
    }
}
