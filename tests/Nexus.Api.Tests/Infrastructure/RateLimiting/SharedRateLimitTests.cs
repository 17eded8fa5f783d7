using System.Globalization;
using Alba;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure;
using Npgsql;

namespace Nexus.Api.Tests.Infrastructure.RateLimiting;

/// <summary>Two nodes on one database, two attempts per window on every limited door.</summary>
public sealed class TwoNodesTightLimitsFixture : ApiFixture, IAsyncLifetime
{
    public IAlbaHost Other { get; private set; } = null!;

    protected override string Purpose => "sharedlimits";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:RateLimits:Token:PermitLimit"] = "2",
        ["Nexus:RateLimits:SignUp:PermitLimit"] = "2",
    };

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Other = await StartAnotherHostAsync();
    }

    public new async Task DisposeAsync()
    {
        await Other.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>The sign-in doors count attempts in PostgreSQL: N nodes give the budget of one, not N times it.</summary>
public sealed class SharedRateLimitTests(TwoNodesTightLimitsFixture api) : IClassFixture<TwoNodesTightLimitsFixture>
{
    private const string SignUp =
        "mutation { signUp(input: { email: \"s-{0}@example.com\", password: \"correct horse battery staple\", displayName: \"S\" }) { errors { __typename } } }";

    [Fact]
    public async Task two_nodes_share_one_budget_on_the_token_endpoint()
    {
        Assert.Equal(400, (await api.Host.PasswordGrantAsync("someone@example.com", "wrong password here")).Status);
        Assert.Equal(400, (await api.Other.PasswordGrantAsync("someone@example.com", "wrong password here")).Status);

        var onA = await api.Host.PasswordGrantAsync("someone@example.com", "wrong password here");
        var onB = await api.Other.PasswordGrantAsync("someone@example.com", "wrong password here");

        Assert.Equal((429, "rate_limited"), (onA.Status, onA.Error));
        Assert.Equal((429, "rate_limited"), (onB.Status, onB.Error));
    }

    [Fact]
    public async Task two_nodes_share_one_budget_on_a_graphql_door_and_say_when_it_refills()
    {
        Assert.Equal(200, (await api.Host.PostGraphQLAsync(NewSignUp())).Status);
        Assert.Equal(200, (await api.Other.PostGraphQLAsync(NewSignUp())).Status);

        var limited = await api.Host.PostGraphQLAsync(NewSignUp());

        Assert.Equal(429, limited.Status);
        Assert.Equal(["RATE_LIMITED"], limited.ErrorCodes);
        // The window is an hour: the wait is what is left of it, never more.
        var retryAfter = int.Parse(limited.Raw.Headers.RetryAfter!.ToString(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 3600);
    }

    [Fact]
    public async Task a_window_that_ended_is_forgotten_and_its_budget_is_whole_again()
    {
        await using var database = NpgsqlDataSource.Create(api.ConnectionString);
        var limiter = Limiter(database, TimeSpan.FromSeconds(1));
        var client = $"test-{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(api.ConnectionString))
        {
            await connection.OpenAsync();
            await using var ended = new NpgsqlCommand("""
                insert into identity.rate_limit_windows (policy, client, window_start, expires_at, count)
                values ('Login', $1 || '-gone', now() - interval '2 hours', now() - interval '1 hour', 10)
                """, connection) { Parameters = { new() { Value = client } } };
            await ended.ExecuteNonQueryAsync();
        }

        Assert.True((await limiter.AcquireAsync(NexusRateLimiter.Login, client, default)).Acquired);
        // One permit per second: of three calls in a row (which may outlast the window), one is refused.
        var decisions = new List<RateLimitDecision>();
        for (var i = 0; i < 3; i++)
        {
            decisions.Add(await limiter.AcquireAsync(NexusRateLimiter.Login, client, default));
        }

        Assert.Contains(decisions, d => !d.Acquired);
        Assert.InRange(decisions.First(d => !d.Acquired).RetryAfter, TimeSpan.Zero, TimeSpan.FromSeconds(1));

        // The first check of a node also swept the window that ended an hour ago.
        await using (var connection = new NpgsqlConnection(api.ConnectionString))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("select count(*) from identity.rate_limit_windows where client = $1 || '-gone'", connection)
            {
                Parameters = { new() { Value = client } },
            };
            Assert.Equal(0L, await count.ExecuteScalarAsync());
        }

        await Eventually.TrueAsync(async () => (await limiter.AcquireAsync(NexusRateLimiter.Login, client, default)).Acquired,
            "The next window did not give the budget back.", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task the_doors_close_when_the_count_cannot_be_made()
    {
        // Nothing listens on port 1: the database is unreachable.
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nexus;Password=nexus;Timeout=2");
        var limiter = Limiter(unreachable, TimeSpan.FromMinutes(1));

        var decision = await limiter.AcquireAsync(NexusRateLimiter.Login, "203.0.113.7", default);

        Assert.Equal((false, true), (decision.Acquired, decision.Unavailable));
        Assert.Equal(NexusRateLimiter.UnavailableRetry, decision.RetryAfter);
    }

    /// <summary>A node's limiter of its own (its first check sweeps), one login attempt per <paramref name="window"/>.</summary>
    private static NexusRateLimiter Limiter(NpgsqlDataSource database, TimeSpan window) =>
        new(Options.Create(new RateLimitOptions { Login = new RateLimitPolicy { PermitLimit = 1, Window = window } }),
            database, NullLogger<NexusRateLimiter>.Instance);

    private static string NewSignUp() => SignUp.Replace("{0}", Guid.NewGuid().ToString("N"), StringComparison.Ordinal);
}

/// <summary>The API whose rate limiter cannot reach its database (nothing listens on port 1); all else works.</summary>
public sealed class UncountableFixture : ApiFixture
{
    protected override string Purpose => "uncountable";

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton(sp => new NexusRateLimiter(sp.GetRequiredService<IOptions<RateLimitOptions>>(),
            NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nexus;Password=nexus;Timeout=2"), NullLogger<NexusRateLimiter>.Instance));
}

/// <summary>Fail closed: a door whose attempts cannot be counted refuses them, saying so, rather than letting them through.</summary>
public sealed class FailClosedRateLimitTests(UncountableFixture api) : IClassFixture<UncountableFixture>
{
    [Fact]
    public async Task the_token_endpoint_answers_503_with_retry_after()
    {
        var refused = await api.Host.PasswordGrantAsync("someone@example.com", "wrong password here");

        Assert.Equal((503, "temporarily_unavailable"), (refused.Status, refused.Error));
    }

    [Fact]
    public async Task a_graphql_door_answers_503_with_retry_after_and_rate_limited()
    {
        var refused = await api.Host.PostGraphQLAsync(
            $"mutation {{ requestPasswordReset(input: {{ email: \"r-{Guid.NewGuid():N}@example.com\" }}) {{ done }} }}");

        Assert.Equal(503, refused.Status);
        Assert.Equal(["RATE_LIMITED"], refused.ErrorCodes);
        Assert.Equal("5", refused.Raw.Headers.RetryAfter!.ToString());
    }

    [Fact]
    public async Task doors_without_a_limit_are_not_affected()
    {
        Assert.Equal(200, (await api.Host.PostGraphQLAsync("{ platforms { id } }")).Status);
    }
}
