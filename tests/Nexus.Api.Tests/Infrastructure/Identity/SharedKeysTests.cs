using System.Net;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Npgsql;

namespace Nexus.Api.Tests.Infrastructure.Identity;

/// <summary>
/// The Data Protection key ring lives in PostgreSQL: what one node protects (a connection's OAuth <c>state</c>, the
/// sign-in cookie, an antiforgery token), the other unprotects, as behind a load balancer that sends each request of
/// one browser to any node.
/// </summary>
public sealed class SharedKeysTests(TwoNodesFixture api) : IClassFixture<TwoNodesFixture>
{
    private const string RedirectUri = "http://localhost:5173/auth/callback";

    [Fact]
    public async Task both_nodes_use_the_one_key_ring_in_the_database()
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var keys = new NpgsqlCommand("""select count(*) from identity."DataProtectionKeys" """, connection);

        Assert.Equal(1L, await keys.ExecuteScalarAsync());
    }

    [Fact]
    public async Task a_connection_started_on_one_node_completes_its_callback_on_the_other()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var begin = await api.Host.StartSandboxAsync(admin, workspace);

        // Node A: the begin link binds the browser, A's sandbox shows its consent page, and the decision sends the
        // browser back to Nexus's callback with the code and the state A protected.
        using var onA = new Browser(api.Host);
        var callback = await onA.DecideAsync(await onA.OpenAsync(begin));
        Assert.False(string.IsNullOrEmpty(Browser.QueryOf(callback)["state"]));

        // Node B receives the callback: it unprotects A's state and exchanges the code.
        using var onB = onA.On(api.Other);
        var result = await onB.CallbackAsync(callback);

        Assert.True(result.Outcome == "connected", result.Reason);
        var connection = Assert.Single(result.Connections);
        Assert.Contains(connection, (await api.Other.ConnectionsAsync(admin, workspace)).EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task a_sign_in_cookie_issued_by_one_node_is_accepted_by_the_other()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        var (_, challenge) = OAuthClient.Pkce();
        var authorize = $"/connect/authorize?client_id=nexus-web&response_type=code&scope={Uri.EscapeDataString(OAuthClient.ApiScopes)}" +
            $"&redirect_uri={Uri.EscapeDataString(RedirectUri)}&state=xyz&code_challenge={challenge}&code_challenge_method=S256";

        // The sign-in form (and its antiforgery token) comes from B; A checks the token and issues the cookie.
        using var onB = new Browser(api.Other);
        var form = Browser.HiddenFields(await (await onB.GetAsync("/account/login")).Content.ReadAsStringAsync());
        form["email"] = email;
        form["password"] = password;
        using var onA = onB.On(api.Host);
        var signedIn = await onA.PostFormAsync("/account/login", form);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        // B's authorize endpoint reads A's cookie: the browser goes straight back to the app with a code.
        var answer = await onB.FollowAsync(await onB.GetAsync(authorize));

        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.StartsWith(RedirectUri, answer.Headers.Location!.ToString());
        Assert.True(Browser.QueryOf(answer.Headers.Location).ContainsKey("code"));
    }
}
