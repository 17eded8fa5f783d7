using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;

namespace Nexus.Api.Tests.Features.Accounts.SigningUp;

[Collection(ApiCollection.Name)]
public sealed class SignUpTests(ApiFixture api)
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task signing_up_creates_an_account_from_a_user_registered_event()
    {
        var email = UniqueEmail();

        var payload = await api.Host.SignUpAsync($"  {email.ToUpperInvariant()} ", Password, " Ada Lovelace ");

        Assert.Empty(payload.GetProperty("errors").EnumerateArray());
        var user = payload.GetProperty("user");
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.Equal("Ada Lovelace", user.GetProperty("displayName").GetString());
        Assert.EndsWith("Z", user.GetProperty("createdAt").GetString());

        var store = api.Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var account = await session.Query<User>().SingleAsync(u => u.Email == email);
        var events = await session.Events.FetchStreamAsync(account.Id);
        var registered = Assert.IsType<UserRegistered>(Assert.Single(events).Data);
        Assert.Equal(email, registered.Email);
        Assert.NotEqual(user.GetProperty("id").GetString(), account.Id.ToString());
    }

    [Fact]
    public async Task the_password_is_hashed_with_the_identity_hasher_and_never_stored_in_events()
    {
        var email = UniqueEmail();
        await api.Host.SignUpAsync(email, Password, "Grace");

        var store = api.Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var account = await session.Query<User>().SingleAsync(u => u.Email == email);
        var credentials = await session.LoadAsync<UserCredentials>(account.Id);
        var hasher = new PasswordHasher<UserCredentials>();
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(credentials!, credentials!.PasswordHash, Password));

        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var scan = new NpgsqlCommand("select count(*) from nexus.mt_events where data::text like @p or data::text like @h", connection);
        scan.Parameters.AddWithValue("p", "%" + Password + "%");
        scan.Parameters.AddWithValue("h", "%" + credentials.PasswordHash + "%");
        Assert.Equal(0L, await scan.ExecuteScalarAsync());
    }

    [Fact]
    public async Task an_email_that_is_taken_in_any_spelling_is_refused_with_email_taken()
    {
        var email = UniqueEmail();
        await api.Host.SignUpAsync(email, Password, "First");

        var payload = await api.Host.SignUpAsync(" " + email.ToUpperInvariant(), Password + "!", "Second");

        Assert.Equal(JsonValueKind.Null, payload.GetProperty("user").ValueKind);
        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal("EMAIL_TAKEN", error.GetProperty("code").GetString());
        Assert.Equal("EmailTakenError", error.GetProperty("__typename").GetString());
        Assert.Equal(["input", "email"], error.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
    }

    [Theory]
    [InlineData("not-an-email", Password, "Ada", "email")]
    [InlineData("ada@localhost", Password, "Ada", "email")]
    [InlineData("", Password, "Ada", "email")]
    [InlineData("ada@example.com", "short", "Ada", "password")]
    [InlineData("ada@example.com", "password1234", "Ada", "password")]
    [InlineData("ada@example.com", "1qaz2wsx3edc", "Ada", "password")]
    [InlineData("ada@example.com", "abcabcabcabc", "Ada", "password")]
    [InlineData("ada@example.com", Password, "   ", "displayName")]
    public async Task invalid_input_is_refused_with_validation_errors_that_name_the_field(string email, string password, string displayName, string field)
    {
        var payload = await api.Host.SignUpAsync(email, password, displayName);

        Assert.Equal(JsonValueKind.Null, payload.GetProperty("user").ValueKind);
        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal("VALIDATION", error.GetProperty("code").GetString());
        Assert.Equal("ValidationError", error.GetProperty("__typename").GetString());
        Assert.Equal(["input", field], error.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task every_invalid_field_is_reported_at_once()
    {
        var payload = await api.Host.SignUpAsync("nope", "short", "");

        var paths = payload.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path")[1].GetString()).ToHashSet();
        Assert.Equal(["email", "password", "displayName"], paths);
    }

    [Fact]
    public async Task a_refused_sign_up_records_nothing()
    {
        var email = UniqueEmail();
        await api.Host.SignUpAsync(email, "short", "Ada");

        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.False(await session.Query<User>().AnyAsync(u => u.Email == email));
    }

    [Fact]
    public async Task concurrent_sign_ups_with_one_email_create_exactly_one_account()
    {
        var email = UniqueEmail();

        var payloads = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            api.Host.SignUpAsync(i % 2 == 0 ? email : email.ToUpperInvariant(), Password, $"Racer {i}")));

        Assert.Single(payloads, p => p.GetProperty("user").ValueKind == JsonValueKind.Object);
        Assert.All(payloads.Where(p => p.GetProperty("user").ValueKind == JsonValueKind.Null), p =>
            Assert.Equal("EMAIL_TAKEN", p.GetProperty("errors")[0].GetProperty("code").GetString()));
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(1, await session.Query<User>().CountAsync(u => u.Email == email));
    }

    [Fact]
    public async Task a_new_user_is_not_visible_to_anonymous_callers_through_node()
    {
        var payload = await api.Host.SignUpAsync(UniqueEmail(), Password, "Hidden");
        var id = payload.GetProperty("user").GetProperty("id").GetString();

        var data = await api.Host.QueryAsync("query ($id: ID!) { node(id: $id) { id } }", new { id });

        Assert.Equal(JsonValueKind.Null, data.GetProperty("node").ValueKind);
    }

    private static string UniqueEmail() => $"user-{Guid.NewGuid():N}@example.com";
}

public static class SignUpScenarios
{
    public static async Task<JsonElement> SignUpAsync(this Alba.IAlbaHost host, string email, string password, string displayName)
    {
        const string mutation = """
            mutation ($input: SignUpInput!) {
              signUp(input: $input) {
                user { id email displayName createdAt }
                errors { __typename ... on Error { code message path } }
              }
            }
            """;
        var data = await host.QueryAsync(mutation, new { input = new { email, password, displayName } });
        return data.GetProperty("signUp");
    }
}
