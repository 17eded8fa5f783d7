using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Connections;
using Nexus.Api.Infrastructure;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Facebook;
using Nexus.Api.Platforms.Instagram;
using Wolverine;

namespace Nexus.Api.Features.Webhooks;

/// <summary>
/// Meta's two app callbacks, both a form POST with a <c>signed_request</c> (<c>base64url(HMAC-SHA256).base64url(payload)</c>
/// under the app secret; the payload names the app-scoped <c>user_id</c>):
/// <list type="bullet">
/// <item>Deauthorize (<c>/webhooks/meta/deauthorize</c>): the person removed the app. Stored and processed like any
/// delivery: their connections need reconnecting.</item>
/// <item>Data deletion (<c>/webhooks/meta/data-deletion</c>): the person asks for their data to be deleted. Answered at
/// once with <c>{ url, confirmation_code }</c>; the erasure (their connections' tokens, the interactions recorded on
/// them) runs durably after it, and the URL shows its status.</item>
/// </list>
/// Nexus keeps the Meta user's id only where it is a connection's account id (a Facebook profile, an Instagram
/// account); Pages connected through the person's consent are not linked to their user id, so they are not found here.
/// </summary>
public static class MetaCallbacks
{
    internal static async Task<IResult> DeauthorizeAsync(HttpContext http, IServiceProvider services, ILogger<WebhookOptions> logger)
    {
        if (await SignedPayloadAsync(http, services, logger) is not ({ } raw, _))
        {
            return Results.Json(new { error = "invalid_signature" }, statusCode: StatusCodes.Status401Unauthorized);
        }

        await services.GetRequiredService<IMessageBus>().InvokeAsync<bool>(
            new AcceptWebhookDelivery(WebhookSource.Meta, "deauthorize-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw))), raw), http.RequestAborted);
        return Results.Ok();
    }

    internal static async Task<IResult> DataDeletionAsync(HttpContext http, IServiceProvider services, ILogger<WebhookOptions> logger, IOptions<NexusUrls> urls)
    {
        if (await SignedPayloadAsync(http, services, logger) is not (_, { } userId))
        {
            return Results.Json(new { error = "invalid_signature" }, statusCode: StatusCodes.Status401Unauthorized);
        }

        var code = await services.GetRequiredService<IMessageBus>().InvokeAsync<string>(new RequestMetaDataDeletion(userId), http.RequestAborted);
        return Results.Json(new { url = $"{urls.Value.PublicUrl.TrimEnd('/')}/webhooks/meta/data-deletion/{code}", confirmation_code = code });
    }

    internal static async Task<IResult> DeletionStatusAsync(string code, IQuerySession session, CancellationToken ct) =>
        code.Length <= 64 && await session.LoadAsync<DataDeletionRequest>(code, ct) is { } request
            ? Results.Json(new
            {
                confirmation_code = request.Id,
                status = request.CompletedAt is null ? "pending" : "completed",
                requested_at = request.RequestedAt,
                completed_at = request.CompletedAt,
                description = request.CompletedAt is null
                    ? "Nexus received the request; the deletion runs shortly."
                    : $"Nexus deleted the access tokens of {request.Connections} connected account(s) and {request.Interactions} recorded interaction(s).",
            })
            : Results.NotFound();

    /// <summary>The form's raw body and the verified payload's <c>user_id</c>; null when the signature does not hold.</summary>
    private static async Task<(string Raw, string? UserId)?> SignedPayloadAsync(HttpContext http, IServiceProvider services, ILogger logger)
    {
        // A form body may already have been read by the pipeline: it is taken from the parsed form, capped all the same.
        var cap = services.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxBodyBytes;
        string? signed = null;
        if (http.Request.ContentLength is null or <= 0 || http.Request.ContentLength <= cap)
        {
            try
            {
                signed = http.Request.HasFormContentType && (await http.Request.ReadFormAsync(http.RequestAborted)).TryGetValue("signed_request", out var value) ? value.ToString() : null;
            }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException)
            {
                signed = null;
            }
        }

        if (signed is { Length: > 0 } && signed.Length > cap)
        {
            signed = null;
        }

        var raw = "signed_request=" + Uri.EscapeDataString(signed ?? "");
        if (Verify(signed, services) is not { } payload)
        {
            logger.Refused("meta", "the signed_request is missing or its signature is wrong");
            return null;
        }

        return (raw, UserIdOf(payload));
    }

    internal static byte[]? Verify(string? signedRequest, IServiceProvider services) =>
        WebhookSignatures.MetaSignedRequest(signedRequest, WebhookEndpoints.Secret<FacebookOptions>(services))
        ?? WebhookSignatures.MetaSignedRequest(signedRequest, WebhookEndpoints.Secret<InstagramOptions>(services));

    internal static string? UserIdOf(byte[] payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.TryGetProperty("user_id", out var id) ? id.ValueKind == JsonValueKind.Number ? id.GetRawText() : id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A stored deauthorize callback (its raw form body, already verified when it was accepted): the user's access is gone.</summary>
    internal static IReadOnlyList<WebhookEffect> ParseDeauthorize(string raw)
    {
        var signed = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(raw).TryGetValue("signed_request", out var value) ? value.ToString() : "";
        var payload = signed.Split('.') is [_, var part] ? System.Buffers.Text.Base64Url.DecodeFromChars(part) : [];
        return UserIdOf(payload) is { } user
            ? [new AccessRemoved([PlatformId.Facebook, PlatformId.Instagram], user, "The account's owner removed Nexus from their Meta apps. Reconnect the account to publish to it again.")]
            : [];
    }
}

/// <summary>Meta asked Nexus to delete what it holds on a user. Answers the confirmation code.</summary>
public sealed record RequestMetaDataDeletion(string MetaUserId);

/// <summary>The erasure itself, after the answer.</summary>
public sealed record EraseMetaUserData(string Code, string MetaUserId);

/// <summary>
/// A data-deletion request (id = its confirmation code) and how it went. The Meta user's id is not kept in it: only
/// the counts of what was erased.
/// </summary>
public sealed record DataDeletionRequest(string Id, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt, int Connections, int Interactions);

public static class RequestMetaDataDeletionHandler
{
    public static (string, OutgoingMessages) Handle(RequestMetaDataDeletion command, IDocumentSession session, DateTimeOffset now)
    {
        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        session.Insert(new DataDeletionRequest(code, now, null, 0, 0));
        return (code, [new EraseMetaUserData(code, command.MetaUserId)]);
    }
}

public static class EraseMetaUserDataHandler
{
    public static async Task<OutgoingMessages> Handle(EraseMetaUserData command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var messages = new OutgoingMessages();
        var connections = await WebhookEffects.ConnectionsAsync(session, [PlatformId.Facebook, PlatformId.Instagram], command.MetaUserId, ct);
        var ids = connections.Select(c => c.Id).ToArray();
        foreach (var connection in connections)
        {
            session.Delete<ConnectionSecrets>(connection.Id);
            if (connection.Status == ConnectionStatus.Active)
            {
                session.Events.Append(connection.Id, new ConnectionNeedsReauth(connection.Id,
                    "Meta asked Nexus to delete this account's data: its access tokens were deleted. Reconnect the account to publish to it again.", now, connection.TokenGeneration));
                messages.Add(new Posts.Notifying.NotifyConnectionNeedsReauth(connection.Id, connection.TokenGeneration));
            }
        }

        var interactions = await session.Query<PlatformInteraction>()
            .Where(i => (i.Platform == PlatformId.Facebook || i.Platform == PlatformId.Instagram) && (i.AccountExternalId == command.MetaUserId || (i.ConnectionId != null && ids.Contains(i.ConnectionId.Value))))
            .Select(i => i.Id)
            .ToListAsync(ct);
        foreach (var id in interactions)
        {
            session.Delete<PlatformInteraction>(id);
        }

        if (await session.LoadAsync<DataDeletionRequest>(command.Code, ct) is { } request)
        {
            session.Store(request with { CompletedAt = now, Connections = connections.Count, Interactions = interactions.Count });
        }

        return messages;
    }
}
