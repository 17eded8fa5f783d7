using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

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
}

/// <summary>
/// The rate limiter behind every limit, whether the door is an HTTP endpoint (<c>/connect/token</c>,
/// <c>/account/login</c>) or a GraphQL field (<c>signUp</c>, <c>requestPasswordReset</c>): partitions per policy and
/// client address, each a fixed window.
/// </summary>
public sealed class NexusRateLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    public const string Token = nameof(RateLimitOptions.Token);
    public const string Login = nameof(RateLimitOptions.Login);
    public const string SignUp = nameof(RateLimitOptions.SignUp);
    public const string PasswordReset = nameof(RateLimitOptions.PasswordReset);

    private readonly PartitionedRateLimiter<(string Policy, string Client)> _limiter = PartitionedRateLimiter.Create<(string Policy, string Client), (string, string)>(
        key => RateLimitPartition.GetFixedWindowLimiter(key, _ =>
        {
            var policy = Policy(options.Value, key.Policy);
            return new FixedWindowRateLimiterOptions { PermitLimit = policy.PermitLimit, Window = policy.Window, QueueLimit = 0, AutoReplenishment = true };
        }));

    /// <summary>Takes one permit; when refused, <paramref name="retryAfter"/> says when to come back.</summary>
    public bool TryAcquire(string policy, string client, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire((policy, client));
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Policy(options.Value, policy).Window;
        return lease.IsAcquired;
    }

    public static string ClientOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static string RetryAfterSeconds(TimeSpan retryAfter) =>
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    public void Dispose() => _limiter.Dispose();

    private static RateLimitPolicy Policy(RateLimitOptions options, string name) => name switch
    {
        Token => options.Token,
        Login => options.Login,
        SignUp => options.SignUp,
        PasswordReset => options.PasswordReset,
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
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = NexusRateLimiter.RetryAfterSeconds(retryAfter);
                await context.HttpContext.Response.WriteAsJsonAsync(
                    new { error = "rate_limited", error_description = "Too many attempts; try again after the Retry-After delay." }, ct);
            };
        });
        return services;
    }

    /// <summary>Applies <see cref="NexusRateLimiter"/> to the sign-in endpoints and lets everything else through.</summary>
    private sealed class EndpointLimiter : PartitionedRateLimiter<HttpContext>
    {
        public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

        protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
        {
            var policy = PolicyFor(resource.Request);
            if (policy is null)
            {
                return Lease.Granted;
            }

            var limiter = resource.RequestServices.GetRequiredService<NexusRateLimiter>();
            return limiter.TryAcquire(policy, NexusRateLimiter.ClientOf(resource), out var retryAfter) ? Lease.Granted : new Lease(retryAfter);
        }

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
            ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

        // Starting a provider sign-in stores a state token, so it is a door too, even as a GET.
        private static string? PolicyFor(HttpRequest request) =>
            request.Path.StartsWithSegments("/account/external", StringComparison.OrdinalIgnoreCase) ? NexusRateLimiter.Login
            : !HttpMethods.IsPost(request.Method) ? null
            : request.Path.Equals("/connect/token", StringComparison.OrdinalIgnoreCase) ? NexusRateLimiter.Token
            : request.Path.Equals("/account/login", StringComparison.OrdinalIgnoreCase) ? NexusRateLimiter.Login
            : null;
    }

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
