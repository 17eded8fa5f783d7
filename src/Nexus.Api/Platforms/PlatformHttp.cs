using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Nexus.Api.Platforms;

/// <summary>Proof Key for Code Exchange (RFC 7636), S256.</summary>
public static class Pkce
{
    public static (string Verifier, string Challenge) Create()
    {
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}

/// <summary>How every platform's typed <see cref="HttpClient"/> is built and how its rate-limit answers are read.</summary>
public static class PlatformHttp
{
    /// <summary>How long calls to a platform pause once its circuit opens, unless its settings say otherwise.</summary>
    public static readonly TimeSpan CircuitBreakDuration = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Registers <typeparamref name="TClient"/> as a typed client with the platform's resilience pipeline: a timeout
    /// per attempt, retries with backoff only for methods that are safe to repeat (a POST that creates a post is
    /// never retried here: its outcome may be unknown), <c>Retry-After</c> honoured, and a circuit breaker per
    /// platform so a failing platform is not hammered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="platform">The platform, naming the pipeline.</param>
    /// <param name="attemptTimeout">The timeout of one attempt.</param>
    /// <param name="breakDuration">How long calls pause once the circuit opens; <see cref="CircuitBreakDuration"/> when null.</param>
    public static IHttpClientBuilder AddPlatformHttpClient<TClient, TImplementation>(this IServiceCollection services, PlatformId platform, TimeSpan attemptTimeout,
        TimeSpan? breakDuration = null)
        where TClient : class
        where TImplementation : class, TClient
    {
        var builder = services.AddHttpClient<TClient, TImplementation>();
        builder.AddResilienceHandler($"platform-{platform}", pipeline =>
        {
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                ShouldRetryAfterHeader = true,
                // A platform asking for a long wait is a rate limit for the caller to schedule, not to sleep through.
                MaxDelay = TimeSpan.FromSeconds(30),
            };
            retry.DisableForUnsafeHttpMethods();
            pipeline.AddRetry(retry);
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = breakDuration ?? CircuitBreakDuration,
                // A 429 is one account's or app's quota with its own reset time, which the caller schedules; counting it
                // would let one busy account pause the platform for everyone.
                ShouldHandle = args => ValueTask.FromResult(
                    HttpClientResiliencePredicates.IsTransient(args.Outcome) && args.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests),
            });
            pipeline.AddTimeout(attemptTimeout);
        });
        return builder;
    }

    /// <summary>
    /// When the platform says a rate limit resets: <c>Retry-After</c> (seconds or a date), else an epoch-seconds reset
    /// header such as X's <c>x-rate-limit-reset</c> or Pinterest's <c>x-ratelimit-reset</c>; null when none is given.
    /// </summary>
    public static DateTimeOffset? ResetTime(HttpResponseMessage response, DateTimeOffset now, params string[] epochResetHeaders)
    {
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            return retryAfter.Date ?? (retryAfter.Delta is { } delta ? now + delta : null);
        }

        foreach (var header in epochResetHeaders)
        {
            if (response.Headers.TryGetValues(header, out var values) &&
                long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
            {
                return DateTimeOffset.FromUnixTimeSeconds(epoch);
            }
        }

        return null;
    }

    /// <summary>How one platform turns failures into <see cref="PlatformException"/>s, for <see cref="SendAsync"/>.</summary>
    /// <param name="Platform">The platform.</param>
    /// <param name="IsTransport">Whether an exception is a transport failure (not the caller cancelling).</param>
    /// <param name="FromTransport">The failure for a transport exception, given the step and whether the outcome is unknown.</param>
    /// <param name="FromResponse">The failure for an unsuccessful answer.</param>
    public sealed record Failures(
        PlatformId Platform,
        Func<Exception, CancellationToken, bool> IsTransport,
        Func<Exception, string, bool, PlatformException> FromTransport,
        Func<HttpResponseMessage, DateTimeOffset, CancellationToken, Task<PlatformException>> FromResponse);

    /// <summary>
    /// Sends one request and returns the successful answer; anything else becomes the platform's
    /// <see cref="PlatformException"/>. <paramref name="outcomeUnknown"/> marks requests (publishing) whose effect
    /// cannot be known when no answer arrives.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, Failures failures, TimeProvider time,
        string step, bool outcomeUnknown, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (failures.IsTransport(exception, cancellationToken))
        {
            throw failures.FromTransport(exception, step, outcomeUnknown);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await failures.FromResponse(response, time.GetUtcNow(), cancellationToken);
        }
    }

    /// <summary>
    /// Sends one request and reads its body as text, whatever the status; a transport failure (no usable answer)
    /// becomes <paramref name="onTransport"/>'s exception. For clients that classify answers from their bodies.
    /// </summary>
    public static async Task<(HttpResponseMessage Response, string Text)> ExchangeAsync(HttpClient http, HttpRequestMessage request,
        Func<Exception, PlatformException> onTransport, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
            return (response, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception exception) when (PlatformErrors.IsTransport(exception, cancellationToken))
        {
            response?.Dispose();
            throw onTransport(exception);
        }
    }

    /// <summary>As <see cref="SendAsync"/>, and parses the successful answer's JSON body.</summary>
    public static async Task<System.Text.Json.JsonDocument> SendForJsonAsync(HttpClient http, HttpRequestMessage request, Failures failures, TimeProvider time,
        string step, bool outcomeUnknown, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(http, request, failures, time, step, outcomeUnknown, cancellationToken);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await System.Text.Json.JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        }
        catch (System.Text.Json.JsonException exception)
        {
            throw new PlatformException(failures.Platform, outcomeUnknown ? PlatformFailureKind.Unknown : PlatformFailureKind.Transient,
                $"{failures.Platform} answered {step} with a body that is not JSON.", inner: exception);
        }
        catch (Exception exception) when (failures.IsTransport(exception, cancellationToken))
        {
            throw failures.FromTransport(exception, step, outcomeUnknown);
        }
    }

    private static readonly System.Reflection.Assembly PollyCore = typeof(ResiliencePipeline).Assembly;

    /// <summary>
    /// The pipeline stopped waiting for an attempt (its timeout): the request may have reached the platform.
    /// Matched by type name: the app also references Polly 7 (through a dependency), whose exception types have the
    /// same names as Polly.Core's, so naming them in code is ambiguous; the pipeline throws Polly.Core's.
    /// </summary>
    public static bool IsAttemptTimeout(Exception exception) => IsPollyCore(exception, "TimeoutRejectedException");

    /// <summary>The platform's circuit is open (or isolated): the pipeline sent nothing.</summary>
    public static bool IsCircuitOpen(Exception exception) => IsPollyCore(exception, "BrokenCircuitException");

    /// <summary>
    /// How long the open circuit that refused <paramref name="exception"/> stays open (Polly's <c>RetryAfter</c>, read by
    /// name for the reason above); null when the exception does not say (an isolated circuit).
    /// </summary>
    public static TimeSpan? CircuitRetryAfter(Exception exception) =>
        IsCircuitOpen(exception) ? exception.GetType().GetProperty("RetryAfter")?.GetValue(exception) as TimeSpan? : null;

    private static bool IsPollyCore(Exception exception, string typeName)
    {
        for (var type = exception.GetType(); type is not null; type = type.BaseType)
        {
            if (type.Assembly == PollyCore && type.Name == typeName)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The classification every platform shares for bare HTTP statuses (platform-specific codes come first).</summary>
    public static PlatformFailureKind KindOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.TooManyRequests => PlatformFailureKind.RateLimited,
        HttpStatusCode.Unauthorized => PlatformFailureKind.AuthExpired,
        HttpStatusCode.RequestTimeout or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            or HttpStatusCode.InternalServerError => PlatformFailureKind.Transient,
        >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError => PlatformFailureKind.Rejected,
        _ => PlatformFailureKind.Unknown,
    };
}
