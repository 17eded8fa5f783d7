using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Facebook;
using Nexus.Api.Platforms.Instagram;
using Nexus.Api.Platforms.LinkedIn;
using Nexus.Api.Platforms.Sandbox;
using Nexus.Api.Platforms.TikTok;
using Nexus.Api.Platforms.X;
using Wolverine;

namespace Nexus.Api.Features.Webhooks;

/// <summary>Settings of the inbound webhooks, bound from <c>Nexus:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Nexus:Webhooks";

    /// <summary>The largest body accepted; a bigger one is answered 413 unread.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The verify token typed into Meta's webhook settings (the <c>hub.verify_token</c> of the handshake).</summary>
    public string? MetaVerifyToken { get; set; }

    /// <summary>
    /// X signs with the app's consumer (API key) secret, which is not the OAuth 2.0 client secret; when unset, the X
    /// client secret (<c>Nexus:Platforms:X:ClientSecret</c>) is used.
    /// </summary>
    public string? XConsumerSecret { get; set; }
}

/// <summary>
/// <c>GET/POST /webhooks/{platform}</c> (<c>meta x tiktok linkedin youtube sandbox</c>) and Meta's deauthorize and
/// data-deletion callbacks. A POST is read with a size cap, its signature checked on the raw bytes in constant time
/// before anything parses it, then stored raw with the message that processes it in one transaction, and answered 200:
/// the effects happen after the answer, durably. A bad signature is 401 and one log line; nothing is stored.
/// </summary>
public static partial class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapPlatformWebhooks(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/webhooks");
        webhooks.MapGet("/{platform}", (Delegate)VerifyAsync);
        webhooks.MapPost("/{platform}", (Delegate)ReceiveAsync).DisableAntiforgery();
        webhooks.MapPost("/meta/deauthorize", (Delegate)MetaCallbacks.DeauthorizeAsync).DisableAntiforgery();
        webhooks.MapPost("/meta/data-deletion", (Delegate)MetaCallbacks.DataDeletionAsync).DisableAntiforgery();
        webhooks.MapGet("/meta/data-deletion/{code}", (Delegate)MetaCallbacks.DeletionStatusAsync);
        return app;
    }

    public static WebhookSource? SourceOf(string platform, IConfiguration configuration) => platform.ToLowerInvariant() switch
    {
        "meta" => WebhookSource.Meta,
        "x" => WebhookSource.X,
        "tiktok" => WebhookSource.TikTok,
        "linkedin" => WebhookSource.LinkedIn,
        "youtube" => WebhookSource.YouTube,
        "sandbox" when SandboxOptions.IsEnabled(configuration) => WebhookSource.Sandbox,
        _ => null,
    };

    /// <summary>The handshakes: Meta's and WebSub's <c>hub.challenge</c>, X's CRC, LinkedIn's <c>challengeCode</c>.</summary>
    private static async Task<IResult> VerifyAsync(HttpContext http, string platform, IServiceProvider services, ILogger<WebhookOptions> logger, TimeProvider clock)
    {
        var query = http.Request.Query;
        switch (SourceOf(platform, services.GetRequiredService<IConfiguration>()))
        {
            case WebhookSource.Meta when query["hub.mode"] == "subscribe":
                if (!WebhookSignatures.SameSecret(query["hub.verify_token"], services.GetRequiredService<IOptions<WebhookOptions>>().Value.MetaVerifyToken))
                {
                    logger.Refused("meta", "the verify token does not match");
                    return Results.StatusCode(StatusCodes.Status403Forbidden);
                }

                return Results.Text(query["hub.challenge"].ToString(), "text/plain");
            case WebhookSource.X when query["crc_token"].ToString() is { Length: > 0 } crc && XSecret(services) is { } secret:
                return Results.Json(new { response_token = WebhookSignatures.XCrcResponse(crc, secret) });
            case WebhookSource.LinkedIn when query["challengeCode"].ToString() is { Length: > 0 } code && Secret<LinkedInOptions>(services) is { } secret:
                return Results.Json(new { challengeCode = code, challengeResponse = WebhookSignatures.LinkedInChallengeResponse(code, secret) });
            case WebhookSource.YouTube when query["hub.mode"].ToString() is "subscribe" or "unsubscribe" or "denied":
                return await YouTubeWebSub.VerifyIntentAsync(http, services.GetRequiredService<IDocumentSession>(), clock, logger);
            case null:
                return Results.NotFound();
            default:
                return Results.BadRequest();
        }
    }

    private static async Task<IResult> ReceiveAsync(HttpContext http, string platform, IServiceProvider services, ILogger<WebhookOptions> logger, TimeProvider clock)
    {
        if (SourceOf(platform, services.GetRequiredService<IConfiguration>()) is not { } source)
        {
            return Results.NotFound();
        }

        var options = services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        if (await ReadCappedAsync(http, options.MaxBodyBytes) is not { } body)
        {
            logger.Refused(platform, $"the body is larger than {options.MaxBodyBytes} bytes");
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var headers = http.Request.Headers;
        var now = clock.GetUtcNow();
        Guid? subscription = null;
        var valid = source switch
        {
            WebhookSource.Meta => WebhookSignatures.Meta(headers["X-Hub-Signature-256"], body, Secret<FacebookOptions>(services))
                || WebhookSignatures.Meta(headers["X-Hub-Signature-256"], body, Secret<InstagramOptions>(services)),
            WebhookSource.X => WebhookSignatures.X(headers["x-twitter-webhooks-signature"], body, XSecret(services)),
            WebhookSource.TikTok => WebhookSignatures.TikTok(headers["TikTok-Signature"], body, Secret<TikTokOptions>(services), now),
            WebhookSource.LinkedIn => WebhookSignatures.LinkedIn(headers["X-LI-Signature"], body, Secret<LinkedInOptions>(services)),
            WebhookSource.YouTube => (subscription = await YouTubeWebSub.VerifyAsync(http, body, services.GetRequiredService<IDocumentSession>(), services)) is not null,
            WebhookSource.Sandbox => WebhookSignatures.Sandbox(headers[SandboxWebhooks.SignatureHeader], body, SandboxWebhooks.SecretOf(services.GetRequiredService<IOptions<SandboxOptions>>().Value), now),
            _ => false,
        };
        if (!valid)
        {
            logger.Refused(platform, "the signature is missing, wrong or stale");
            return Results.Json(new { error = "invalid_signature" }, statusCode: StatusCodes.Status401Unauthorized);
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return Results.BadRequest();
        }

        var key = source == WebhookSource.Sandbox && headers[SandboxWebhooks.DeliveryHeader].ToString() is { Length: > 0 and <= 200 } delivery ? delivery
            : WebhookPayloads.DeliveryKey(source, text) is { Length: <= 2000 } given ? given
            : "sha256-" + Convert.ToHexStringLower(SHA256.HashData(body));
        await services.GetRequiredService<IMessageBus>().InvokeAsync<bool>(new AcceptWebhookDelivery(source, key, text, subscription), http.RequestAborted);
        return Results.Ok();
    }

    /// <summary>The body's bytes, or null when it is longer than <paramref name="cap"/> (read no further than that).</summary>
    internal static async Task<byte[]?> ReadCappedAsync(HttpContext http, int cap)
    {
        if (http.Request.ContentLength > cap)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > cap)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    internal static string? Secret<TOptions>(IServiceProvider services) where TOptions : PlatformOptions =>
        services.GetRequiredService<IOptions<TOptions>>().Value.ClientSecret is { Length: > 0 } secret ? secret : null;

    private static string? XSecret(IServiceProvider services) =>
        services.GetRequiredService<IOptions<WebhookOptions>>().Value.XConsumerSecret is { Length: > 0 } consumer ? consumer : Secret<XOptions>(services);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "Refused a {Platform} webhook: {Reason}")]
    internal static partial void Refused(this ILogger logger, string platform, string reason);
}
