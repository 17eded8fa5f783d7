using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Media;

/// <summary>
/// Signed, expiring URLs for a library item's bytes under <c>Nexus:PublicUrl</c>: what platforms that fetch by URL
/// (Instagram, Pinterest, TikTok pull-from-URL) and clients read. The token is the item's id and an expiry protected by
/// Data Protection (keys shared by every node), so it opens that item only, until then, and cannot be forged or moved
/// to another item; the bytes are served by <c>GET /media/{id}/content?token=…</c>.
/// </summary>
public sealed class MediaUrls(IDataProtectionProvider protection, IOptions<NexusUrls> urls, IOptions<MediaOptions> options, TimeProvider clock)
{
    public const string ContentPath = "/media/{id}/content";

    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Nexus.Media.Content").ToTimeLimitedDataProtector();

    /// <summary>The item's URL, valid for <see cref="MediaOptions.UrlLifetime"/> (or <paramref name="lifetime"/>).</summary>
    public Uri For(Guid mediaId, TimeSpan? lifetime = null)
    {
        var token = _protector.Protect(mediaId.ToString("N"), clock.GetUtcNow() + (lifetime ?? options.Value.UrlLifetime));
        return new Uri($"{urls.Value.PublicUrl.TrimEnd('/')}/media/{mediaId:N}/content?token={Uri.EscapeDataString(token)}");
    }

    /// <summary>Whether <paramref name="token"/> was issued for <paramref name="mediaId"/> and has not expired.</summary>
    public bool Verify(Guid mediaId, string? token) => ExpiryOf(mediaId, token) is not null;

    /// <summary>
    /// When <paramref name="token"/> stops opening <paramref name="mediaId"/>; null when it never did or no longer does.
    /// A response may be cached that long, no longer.
    /// </summary>
    public DateTimeOffset? ExpiryOf(Guid mediaId, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            return _protector.Unprotect(token, out var expiry) == mediaId.ToString("N") && expiry > clock.GetUtcNow() ? expiry : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
