using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Nexus.Api.Infrastructure;

/// <summary>One fixed-window limit: <see cref="PermitLimit"/> requests per <see cref="Window"/> per client address.</summary>
public sealed class RateLimitPolicy
{
    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; }
}

/// <summary>Limits on the doors guessers knock on, bound from <c>Nexus:RateLimits</c>.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Nexus:RateLimits";

    public RateLimitPolicy Token { get; set; } = new() { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) };

    public RateLimitPolicy Login { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) };

    public RateLimitPolicy SignUp { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromHours(1) };

    public RateLimitPolicy PasswordReset { get; set; } = new() { PermitLimit = 5, Window = TimeSpan.FromMinutes(15) };

    /// <summary>New media uploads (tus creations and simple uploads), counted per person or app token, not per address.</summary>
    public RateLimitPolicy MediaUpload { get; set; } = new() { PermitLimit = 120, Window = TimeSpan.FromMinutes(1) };

    /// <summary>The public storefront query (no sign-in), per address: generous for shoppers, a ceiling for scrapers.</summary>
    public RateLimitPolicy Storefront { get; set; } = new() { PermitLimit = 300, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Starting a storefront checkout (no sign-in), per address: each one holds stock for a while, so far fewer than reads.</summary>
    public RateLimitPolicy StorefrontCheckout { get; set; } = new() { PermitLimit = 20, Window = TimeSpan.FromMinutes(10) };
}

/// <summary>
/// What a rate-limit check answered: allowed, or refused with when to come back; <c>Unavailable</c> when refused
/// because the count could not be made (the database did not answer), not because the budget is spent.
/// </summary>
public readonly record struct RateLimitDecision(bool Acquired, TimeSpan RetryAfter, bool Unavailable = false);

/// <summary>
/// The rate limiter behind every limit, whether the door is an HTTP endpoint (<c>/connect/token</c>,
/// <c>/account/login</c>) or a GraphQL field (<c>signUp</c>, <c>requestPasswordReset</c>): a fixed window per policy
/// and client address, counted in PostgreSQL (<c>identity.rate_limit_windows</c>) so that every API node draws on the
/// one budget instead of each granting its own.
/// </summary>
/// <remarks>
/// <para>One round trip per check: an upsert that counts the attempt and answers the window's total and remaining
/// time, both from the database's clock (nodes' clocks may differ). About once a minute a node adds, to the same
/// batch, the removal of ended windows it can lock at once.</para>
/// <para>Fails closed: when the count cannot be made (the database is unreachable or too slow), the attempt is refused
/// with a short <c>Retry-After</c>. These doors check passwords and accounts kept in the same database, so they could
/// not have answered anyway, and letting guesses through uncounted would be the one outcome worse than a refusal.</para>
/// </remarks>
public sealed class NexusRateLimiter(IOptions<RateLimitOptions> options, NpgsqlDataSource dataSource, ILogger<NexusRateLimiter> logger)
{
    public const string Token = nameof(RateLimitOptions.Token);
    public const string Login = nameof(RateLimitOptions.Login);
    public const string SignUp = nameof(RateLimitOptions.SignUp);
    public const string PasswordReset = nameof(RateLimitOptions.PasswordReset);
    public const string MediaUpload = nameof(RateLimitOptions.MediaUpload);
    public const string Storefront = nameof(RateLimitOptions.Storefront);
    public const string StorefrontCheckout = nameof(RateLimitOptions.StorefrontCheckout);

    /// <summary>How soon to come back when the count could not be made.</summary>
    public static readonly TimeSpan UnavailableRetry = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    // One row per door and client: a window opens at the client's first attempt (as the in-process fixed window did)
    // and the first attempt after it ended opens the next one. Concurrent attempts queue on the row's lock, and each
    // sees the count the one before it left.
    private const string Count = """
        insert into identity.rate_limit_windows as w (policy, client, window_start, expires_at, count)
        values ($1, $2, now(), now() + make_interval(secs => $3), 1)
        on conflict (policy, client) do update set
            window_start = case when w.expires_at <= now() then excluded.window_start else w.window_start end,
            expires_at = case when w.expires_at <= now() then excluded.expires_at else w.expires_at end,
            count = case when w.expires_at <= now() then 1 else w.count + 1 end
        returning w.count, extract(epoch from w.expires_at - now())::float8
        """;

    // SKIP LOCKED: a window being counted right now is left for the next sweep, and two nodes sweeping never wait.
    private const string Sweep = """
        delete from identity.rate_limit_windows where ctid = any(array(
            select ctid from identity.rate_limit_windows where expires_at < now() limit 1000 for update skip locked))
        """;

    private long _lastSweep = Environment.TickCount64 - (long)SweepEvery.TotalMilliseconds;

    /// <summary>Counts one attempt of <paramref name="client"/> on <paramref name="policy"/>; refused beyond its limit.</summary>
    public async ValueTask<RateLimitDecision> AcquireAsync(string policy, string client, CancellationToken ct)
    {
        var limit = Policy(options.Value, policy);
        await using var batch = dataSource.CreateBatch();
        batch.Timeout = (int)CheckTimeout.TotalSeconds;
        var last = Interlocked.Read(ref _lastSweep);
        if (Environment.TickCount64 - last >= SweepEvery.TotalMilliseconds && Interlocked.CompareExchange(ref _lastSweep, Environment.TickCount64, last) == last)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Sweep));
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(Count)
        {
            Parameters =
            {
                new() { Value = policy, DataTypeName = "text" },
                new() { Value = client, DataTypeName = "text" },
                new() { Value = Math.Max(1, limit.Window.TotalSeconds), DataTypeName = "double precision" },
            },
        });
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var count = reader.GetInt32(0);
            var remaining = TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(1)));
            return new RateLimitDecision(count <= limit.PermitLimit, remaining);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            logger.LogWarning(ex, "Could not count an attempt on the {Policy} door; refusing it until the database answers", policy);
            return new RateLimitDecision(false, UnavailableRetry, Unavailable: true);
        }
    }

    public static string ClientOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static string RetryAfterSeconds(TimeSpan retryAfter) =>
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static RateLimitPolicy Policy(RateLimitOptions options, string name) => name switch
    {
        Token => options.Token,
        Login => options.Login,
        SignUp => options.SignUp,
        PasswordReset => options.PasswordReset,
        MediaUpload => options.MediaUpload,
        Storefront => options.Storefront,
        StorefrontCheckout => options.StorefrontCheckout,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown rate-limit policy."),
    };
}

public static class RateLimitSetup
{
    public static IServiceCollection AddNexusRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section));
        services.AddSingleton<NexusRateLimiter>();
        services.AddRateLimiter(limits =>
        {
            limits.GlobalLimiter = new EndpointLimiter();
            limits.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var unavailable = context.Lease is Lease { Unavailable: true };
                context.HttpContext.Response.StatusCode = unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = NexusRateLimiter.RetryAfterSeconds(retryAfter);
                await context.HttpContext.Response.WriteAsJsonAsync(unavailable
                    ? new { error = "temporarily_unavailable", error_description = "Sign-in attempts cannot be counted right now; try again after the Retry-After delay." }
                    : new { error = "rate_limited", error_description = "Too many attempts; try again after the Retry-After delay." }, ct);
            };
        });
        return services;
    }

    /// <summary>
    /// Applies <see cref="NexusRateLimiter"/> to the sign-in endpoints and lets everything else through. Counting
    /// takes a database round trip, so the synchronous attempt declines a limited request without counting it and the
    /// middleware, as it does for any declined attempt, goes on to the asynchronous acquisition, which counts.
    /// </summary>
    private sealed class EndpointLimiter : PartitionedRateLimiter<HttpContext>
    {
        public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

        protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
            PolicyFor(resource.Request) is null ? Lease.Granted : Lease.CountFirst;

        protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
        {
            if (PolicyFor(resource.Request) is not { } policy)
            {
                return Lease.Granted;
            }

            var limiter = resource.RequestServices.GetRequiredService<NexusRateLimiter>();
            var decision = await limiter.AcquireAsync(policy, NexusRateLimiter.ClientOf(resource), cancellationToken);
            return decision.Acquired ? Lease.Granted : new Lease(decision.RetryAfter, decision.Unavailable);
        }

        // Starting a provider sign-in stores a state token, so it is a door too, even as a GET.
        private static string? PolicyFor(HttpRequest request) =>
            request.Path.StartsWithSegments("/account/external", StringComparison.OrdinalIgnoreCase) ? NexusRateLimiter.Login
            : !HttpMethods.IsPost(request.Method) ? null
            : request.Path.Equals("/connect/token", StringComparison.OrdinalIgnoreCase) ? NexusRateLimiter.Token
            : request.Path.Equals("/account/login", StringComparison.OrdinalIgnoreCase) ? NexusRateLimiter.Login
            : null;
    }

    private sealed class Lease(TimeSpan? retryAfter, bool unavailable = false) : RateLimitLease
    {
        public static readonly Lease Granted = new(null);

        /// <summary>Declined without counting: the asynchronous acquisition decides.</summary>
        public static readonly Lease CountFirst = new(TimeSpan.Zero);

        public override bool IsAcquired => retryAfter is null;

        public bool Unavailable => unavailable;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
