using GraphQL;
using GraphQL.Builders;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.GraphQL.Limits;

/// <summary>A field refused by a rate limit (code <c>RATE_LIMITED</c>); the transport answers 429 with <c>Retry-After</c>.</summary>
public sealed class RateLimitedError : ExecutionError
{
    public RateLimitedError(TimeSpan retryAfter, bool unavailable = false)
        : base(unavailable ? "Attempts cannot be counted right now; try again shortly." : "Too many attempts from your address; try again later.")
    {
        Code = ErrorCodes.RateLimited;
        RetryAfter = retryAfter;
        Unavailable = unavailable;
    }

    public TimeSpan RetryAfter { get; }

    /// <summary>Refused because the count could not be made (fail closed), not because the budget is spent: 503, not 429.</summary>
    public bool Unavailable { get; }
}

public static class RateLimitedField
{
    /// <summary>The key under which the transport puts the caller's address into the GraphQL user context.</summary>
    public const string ClientKey = "nexus:client";

    /// <summary>Counts every call of this field against <paramref name="policy"/> of <see cref="NexusRateLimiter"/>.</summary>
    public static FieldBuilder<TSource, TReturn> RateLimited<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field, string policy) =>
        field.ApplyMiddleware(next => async context =>
        {
            var limiter = context.RequestServices!.GetRequiredService<NexusRateLimiter>();
            var client = context.UserContext.TryGetValue(ClientKey, out var address) ? address as string ?? "unknown" : "unknown";
            var decision = await limiter.AcquireAsync(policy, client, context.CancellationToken);
            return decision.Acquired ? await next(context) : throw new RateLimitedError(decision.RetryAfter, decision.Unavailable);
        });
}
