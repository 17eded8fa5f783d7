using System.Net;
using System.Text.Json;

namespace Nexus.Api.Tests.Infrastructure.RateLimiting;

/// <summary>Two attempts per window on every limited door.</summary>
public sealed class TightLimitsFixture : ApiFixture
{
    protected override string Purpose => "ratelimit";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:RateLimits:Token:PermitLimit"] = "2",
        ["Nexus:RateLimits:Login:PermitLimit"] = "2",
        ["Nexus:RateLimits:SignUp:PermitLimit"] = "2",
        ["Nexus:RateLimits:PasswordReset:PermitLimit"] = "2",
    };
}

public sealed class RateLimitTests(TightLimitsFixture api) : IClassFixture<TightLimitsFixture>
{
    [Fact]
    public async Task the_token_endpoint_answers_429_with_retry_after()
    {
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(400, (await api.Host.PasswordGrantAsync("someone@example.com", "wrong password here")).Status);
        }

        var limited = await api.Host.PasswordGrantAsync("someone@example.com", "wrong password here");

        Assert.Equal(429, limited.Status);
        Assert.Equal("rate_limited", limited.Error);
    }

    [Fact]
    public async Task the_sign_in_page_answers_429_with_retry_after()
    {
        using var browser = new Browser(api.Host);
        HttpResponseMessage last = null!;
        for (var i = 0; i < 3; i++)
        {
            last = await browser.PostFormAsync("/account/login", new() { ["email"] = "a@example.com", ["password"] = "nope nope nope" });
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.True(int.Parse(last.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
    }

    [Theory]
    [InlineData("mutation { signUp(input: { email: \"x-{0}@example.com\", password: \"correct horse battery staple\", displayName: \"X\" }) { errors { __typename } } }")]
    [InlineData("mutation { requestPasswordReset(input: { email: \"x-{0}@example.com\" }) { done } }")]
    public async Task graphql_doors_answer_429_with_retry_after_and_rate_limited(string template)
    {
        GraphQLResponse last = null!;
        for (var i = 0; i < 3; i++)
        {
            last = await api.Host.PostGraphQLAsync(template.Replace("{0}", Guid.NewGuid().ToString("N"), StringComparison.Ordinal));
        }

        Assert.Equal(429, last.Status);
        Assert.Equal(["RATE_LIMITED"], last.ErrorCodes);
        Assert.NotNull(last.Raw.Headers.RetryAfter);
        Assert.Equal(JsonValueKind.Null, last.Data.ValueKind);
    }
}
