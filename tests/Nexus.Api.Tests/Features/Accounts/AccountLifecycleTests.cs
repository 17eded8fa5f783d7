using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;

namespace Nexus.Api.Tests.Features.Accounts;

[Collection(ApiCollection.Name)]
public sealed class AccountLifecycleTests(ApiFixture api)
{
    private const string Password = "correct horse battery staple";
    private const string NewPassword = "a brand new passphrase of mine";

    [Fact]
    public async Task signing_up_emails_a_link_that_verifies_the_address_once()
    {
        var email = $"v-{Guid.NewGuid():N}@example.com";
        await api.Host.RunAsync(() => api.Host.SignUpViaGraphQLAsync(email));
        var token = api.Host.TokenFromMail(email, "verify-email");

        var first = await Done(api.Host.PostGraphQLAsync("mutation ($t: String!) { verifyEmail(input: { token: $t }) { done errors { ... on Error { code } } } }", new { t = token }));
        var again = await Done(api.Host.PostGraphQLAsync("mutation ($t: String!) { verifyEmail(input: { token: $t }) { done errors { ... on Error { code } } } }", new { t = token }));

        Assert.True(first.GetProperty("done").GetBoolean());
        Assert.Equal("INVALID_TOKEN", again.GetProperty("errors")[0].GetProperty("code").GetString());
        var tokens = await api.Host.PasswordGrantAsync(email, Password);
        var me = await api.Host.PostGraphQLAsync(tokens.AccessToken, "{ me { emailVerified } }");
        Assert.True(me.Data.GetProperty("me").GetProperty("emailVerified").GetBoolean());
    }

    [Fact]
    public async Task a_reset_request_answers_the_same_for_known_and_unknown_addresses()
    {
        var (email, _, _) = await api.Host.SignedUpUserAsync();
        var unknown = $"ghost-{Guid.NewGuid():N}@example.com";

        var known = await api.Host.RunAsync(() => RequestResetAsync(email));
        var stranger = await api.Host.RunAsync(() => RequestResetAsync(unknown));

        Assert.Equal(known.Body.ToString(), stranger.Body.ToString());
        Assert.Equal(known.Status, stranger.Status);
        var drop = api.Host.Services.GetRequiredService<MailDrop>();
        Assert.Contains("reset-password?token=", drop.For(email)[^1].TextBody);
        Assert.Contains("has no account", drop.For(unknown)[^1].TextBody);
    }

    [Fact]
    public async Task a_reset_link_sets_a_new_password_once_and_signs_out_everywhere()
    {
        var (email, _, tokens) = await api.Host.SignedUpUserAsync();
        await api.Host.RunAsync(() => RequestResetAsync(email));
        var token = api.Host.TokenFromMail(email, "password-reset");

        var reset = await api.Host.RunAsync(() => ResetAsync(token, NewPassword));
        var reuse = await ResetAsync(token, NewPassword + "!");

        Assert.True(reset.Data.GetProperty("resetPassword").GetProperty("done").GetBoolean());
        Assert.Equal("INVALID_TOKEN", reuse.Data.GetProperty("resetPassword").GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal("invalid_grant", (await api.Host.PasswordGrantAsync(email, Password)).Error);
        Assert.Equal(200, (await api.Host.PasswordGrantAsync(email, NewPassword)).Status);
        Assert.Equal("invalid_grant", (await api.Host.RefreshAsync(tokens.RefreshToken)).Error);
        Assert.Equal(401, (await api.Host.PostGraphQLAsync(tokens.AccessToken, "{ me { id } }")).Status);
    }

    [Fact]
    public async Task a_reset_refuses_a_weak_password_and_keeps_the_token()
    {
        var (email, _, _) = await api.Host.SignedUpUserAsync();
        await api.Host.RunAsync(() => RequestResetAsync(email));
        var token = api.Host.TokenFromMail(email, "password-reset");

        var weak = await ResetAsync(token, "password1234");
        var strong = await api.Host.RunAsync(() => ResetAsync(token, NewPassword));

        Assert.Equal("VALIDATION", weak.Data.GetProperty("resetPassword").GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.True(strong.Data.GetProperty("resetPassword").GetProperty("done").GetBoolean());
    }

    [Fact]
    public async Task changing_the_password_keeps_this_sign_in_and_ends_the_others()
    {
        var (email, _, here) = await api.Host.SignedUpUserAsync();
        var elsewhere = await api.Host.PasswordGrantAsync(email, Password);

        var wrong = await ChangePasswordAsync(here.AccessToken, "not my password", NewPassword);
        var changed = await api.Host.RunAsync(() => ChangePasswordAsync(here.AccessToken, Password, NewPassword));

        Assert.Equal("WRONG_PASSWORD", wrong.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Empty(changed.GetProperty("errors").EnumerateArray());
        Assert.Equal(200, (await api.Host.PostGraphQLAsync(here.AccessToken, "{ me { id } }")).Status);
        Assert.Equal(200, (await api.Host.RefreshAsync(here.RefreshToken)).Status);
        Assert.Equal("invalid_grant", (await api.Host.RefreshAsync(elsewhere.RefreshToken)).Error);
        Assert.Equal(401, (await api.Host.PostGraphQLAsync(elsewhere.AccessToken, "{ me { id } }")).Status);
        Assert.Equal(200, (await api.Host.PasswordGrantAsync(email, NewPassword)).Status);
    }

    [Fact]
    public async Task the_profile_can_be_updated_and_is_validated()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        const string mutation = "mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { user { displayName avatarUrl bio timeZone } errors { ... on Error { code path } } } }";

        var ok = await api.Host.PostGraphQLAsync(tokens.AccessToken, mutation,
            new { input = new { displayName = "Ada L.", avatarUrl = "https://cdn.example.com/ada.png", bio = "Engines.", timeZone = "Europe/London" } });
        var bad = await api.Host.PostGraphQLAsync(tokens.AccessToken, mutation,
            new { input = new { displayName = "Ada", avatarUrl = "http://insecure.example.com/a.png", bio = (string?)null, timeZone = "Nowhere/Land" } });

        var user = ok.Data.GetProperty("updateProfile").GetProperty("user");
        Assert.Equal("Ada L.", user.GetProperty("displayName").GetString());
        Assert.Equal("Europe/London", user.GetProperty("timeZone").GetString());
        var paths = bad.Data.GetProperty("updateProfile").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path")[1].GetString());
        Assert.Equal(["avatarUrl", "timeZone"], paths.Order());
    }

    [Fact]
    public async Task an_owner_must_transfer_before_deleting_the_account()
    {
        var owner = await api.Host.PersonAsync();
        await api.Host.CreateWorkspaceAsync(owner, "Mine");

        var refused = await DeleteAsync(owner.Token, owner.Email);

        Assert.Equal("OWNER_MUST_TRANSFER", refused.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Contains("\"Mine\"", refused.GetProperty("errors")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task deleting_an_account_revokes_its_tokens_leaves_its_workspaces_and_masks_its_events()
    {
        var owner = await api.Host.PersonAsync();
        var member = await api.Host.PersonAsync("Soon Gone");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, member, "EDITOR");
        var userId = (await api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession().Query<User>().SingleAsync(u => u.Email == member.Email)).Id;

        Assert.Equal("CONFIRMATION_MISMATCH", (await DeleteAsync(member.Token, "someone@else.com")).GetProperty("errors")[0].GetProperty("code").GetString());
        var deleted = await api.Host.RunAsync(() => DeleteAsync(member.Token, member.Email));

        Assert.True(deleted.GetProperty("done").GetBoolean());
        Assert.Equal(401, (await api.Host.PostGraphQLAsync(member.Token, "{ me { id } }")).Status);
        var members = (await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { members { edges { node { role } } } } }", new { id = workspace }))
            .Data.GetProperty("workspace").GetProperty("members").GetProperty("edges");
        Assert.Equal(1, members.GetArrayLength());

        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var scan = new NpgsqlCommand("select count(*) from nexus.mt_events where stream_id = @id and (data::text like @email or data::text like @name)", connection);
        scan.Parameters.AddWithValue("id", userId);
        scan.Parameters.AddWithValue("email", "%" + member.Email + "%");
        scan.Parameters.AddWithValue("name", "%Soon Gone%");
        Assert.Equal(0L, await scan.ExecuteScalarAsync());
        Assert.Empty((await api.Host.SignUpViaGraphQLAsync(member.Email)).GetProperty("errors").EnumerateArray());
    }

    private async Task<GraphQLResponse> RequestResetAsync(string email) =>
        await api.Host.PostGraphQLAsync("mutation ($e: String!) { requestPasswordReset(input: { email: $e }) { done errors { __typename } } }", new { e = email });

    private async Task<GraphQLResponse> ResetAsync(string token, string password) =>
        await api.Host.PostGraphQLAsync("mutation ($t: String!, $p: String!) { resetPassword(input: { token: $t, newPassword: $p }) { done errors { ... on Error { code } } } }",
            new { t = token, p = password });

    private async Task<JsonElement> ChangePasswordAsync(string accessToken, string current, string next) =>
        (await api.Host.PostGraphQLAsync(accessToken, "mutation ($c: String!, $n: String!) { changePassword(input: { currentPassword: $c, newPassword: $n }) { user { id } errors { ... on Error { code } } } }",
            new { c = current, n = next })).Data.GetProperty("changePassword");

    private async Task<JsonElement> DeleteAsync(string accessToken, string confirm) =>
        (await api.Host.PostGraphQLAsync(accessToken, "mutation ($c: String!) { deleteAccount(input: { confirmEmail: $c }) { done errors { ... on Error { code message } } } }",
            new { c = confirm })).Data.GetProperty("deleteAccount");

    private static async Task<JsonElement> Done(Task<GraphQLResponse> response) => (await response).Data.GetProperty("verifyEmail");
}

public static class SignUpViaGraphQL
{
    public static async Task<JsonElement> SignUpViaGraphQLAsync(this Alba.IAlbaHost host, string email) =>
        (await host.QueryAsync("mutation ($e: String!) { signUp(input: { email: $e, password: \"correct horse battery staple\", displayName: \"Soon Gone\" }) { user { id } errors { __typename } } }",
            new { e = email })).GetProperty("signUp");
}
