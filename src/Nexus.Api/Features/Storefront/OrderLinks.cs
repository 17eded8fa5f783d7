using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Storefront;

/// <summary>
/// The buyer's keys to an order, who has no account: the access token (opens <c>storefrontOrder</c>; it never expires,
/// like a receipt's link) and the download link of a DIGITAL order, which expires. Both are data-protection tokens whose
/// keys are shared by every node in PostgreSQL, bound to one order each.
/// </summary>
public sealed class OrderLinks(IDataProtectionProvider protection, IOptions<NexusUrls> urls, IOptions<StorefrontOptions> options, TimeProvider clock)
{
    public const string DownloadPath = "/storefront/orders/{id}/download";

    private readonly IDataProtector _access = protection.CreateProtector("Nexus.Storefront.OrderAccess");
    private readonly ITimeLimitedDataProtector _download = protection.CreateProtector("Nexus.Storefront.Download").ToTimeLimitedDataProtector();

    public string AccessToken(Guid orderId) => _access.Protect(orderId.ToString("N"));

    public bool Opens(Guid orderId, string? token) => Unprotects(() => _access.Unprotect(token!) == orderId.ToString("N"), token);

    /// <summary>
    /// A link that downloads the file of the order's line <paramref name="line"/> for
    /// <see cref="StorefrontOptions.DownloadLinkLifetime"/>, while the order stays paid. The token names the order and the
    /// line; the first line's is the order id alone, as links issued before orders had lines were.
    /// </summary>
    public Uri DownloadUrl(Guid orderId, int line = 0)
    {
        var token = _download.Protect(LinePayload(orderId, line), clock.GetUtcNow() + options.Value.DownloadLinkLifetime);
        return new Uri($"{urls.Value.PublicUrl.TrimEnd('/')}/storefront/orders/{orderId:N}/download?token={Uri.EscapeDataString(token)}");
    }

    /// <summary>The line a valid, unexpired download token of this order opens; null otherwise.</summary>
    public int? Downloads(Guid orderId, string? token)
    {
        int? line = null;
        Unprotects(() =>
        {
            var payload = _download.Unprotect(token!, out var expiry);
            if (expiry <= clock.GetUtcNow())
            {
                return false;
            }

            var order = orderId.ToString("N");
            line = payload == order ? 0
                : payload.StartsWith(order + ":", StringComparison.Ordinal) && int.TryParse(payload.AsSpan(order.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i
                : null;
            return line is not null;
        }, token);
        return line;
    }

    private static string LinePayload(Guid orderId, int line) => line == 0 ? orderId.ToString("N") : $"{orderId:N}:{line.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The page Checkout sends the buyer back to: <paramref name="configured"/> with <c>{orderId}</c> and <c>{token}</c> filled in.</summary>
    public string BuyerPage(string? configured, Guid orderId, string token, bool cancelled)
    {
        var template = configured ?? $"{urls.Value.FrontendUrl.TrimEnd('/')}/store/orders/{{orderId}}?token={{token}}" + (cancelled ? "&checkout=cancelled" : "");
        return template.Replace("{orderId}", orderId.ToString("N"), StringComparison.Ordinal).Replace("{token}", Uri.EscapeDataString(token), StringComparison.Ordinal);
    }

    private static bool Unprotects(Func<bool> check, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        try
        {
            return check();
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>
/// <c>GET /storefront/orders/{id}/download?token=…</c>: the file of a paid order's DIGITAL line (the token names the line). The link is checked, then the order
/// now (a refunded or cancelled order downloads nothing, however fresh its link), then the buyer is sent on to the file
/// itself by a media link that lives five minutes: the bytes are served, ranges and all, by the media endpoint.
/// </summary>
public static class OrderDownloads
{
    private static readonly TimeSpan HandOff = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapOrderDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet(OrderLinks.DownloadPath, DownloadAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> DownloadAsync(HttpContext http, string id, OrderLinks links, MediaUrls media, IQuerySession session)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (!Guid.TryParse(id, out var orderId) || links.Downloads(orderId, http.Request.Query["token"]) is not { } line)
        {
            return Results.Text("This download link is not valid, or has expired.", statusCode: StatusCodes.Status403Forbidden);
        }

        var order = await session.LoadAsync<Order>(orderId, http.RequestAborted);
        if (order is not { Status: OrderStatus.Paid or OrderStatus.Fulfilled } || line >= order.Lines.Count || order.Lines[line].DigitalFileId is not { } file)
        {
            return Results.Text("This order has no download: it is not paid, or was refunded.", statusCode: StatusCodes.Status403Forbidden);
        }

        var asset = await session.LoadAsync<MediaAsset>(file, http.RequestAborted);
        return asset is null or { Deleted: true }
            ? Results.Text("The seller no longer offers this file; contact them.", statusCode: StatusCodes.Status404NotFound)
            : Results.Redirect(media.For(file, HandOff).AbsoluteUri);
    }
}
