using System.Net;
using System.Net.Sockets;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Features.Hooks;

/// <summary>The endpoint's URL is not one Nexus will send to (not http/https, or a private, loopback or link-local address).</summary>
public sealed record WebhookUrlRefusedError(string Reason)
    : MutationError("URL_REFUSED", Reason, ["input", "url"]);

/// <summary>
/// Checks an endpoint's URL when it is set, with the same policy <see cref="OutboundHttp"/> applies at every delivery
/// (which checks again: a name can resolve elsewhere later). A name that does not resolve now is accepted: DNS can be
/// down for a moment, and the delivery's own check still stands.
/// </summary>
public sealed class WebhookUrls(IOutboundAddressPolicy policy, IOutboundResolver resolver)
{
    public const int MaxLength = 2000;

    public static bool IsWellFormed(string? url) =>
        url is { Length: > 0 and <= MaxLength } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && string.IsNullOrEmpty(uri.UserInfo) && uri.Host.Length > 0;

    public async Task<WebhookUrlRefusedError?> RefusesAsync(string url, CancellationToken ct)
    {
        if (!IsWellFormed(url))
        {
            return new("Use an absolute http or https URL without credentials.");
        }

        var uri = new Uri(url);
        var host = uri.Host.TrimStart('[').TrimEnd(']');
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await resolver.ResolveAsync(host, ct);
            }
            catch (SocketException)
            {
                return null;
            }
        }

        foreach (var address in addresses)
        {
            var endpoint = new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, uri.Port);
            if (!policy.Allows(endpoint))
            {
                var scope = OutboundAddresses.Describe(OutboundAddresses.Classify(endpoint.Address));
                return new(literal is null
                    ? $"{uri.Host} resolves to {scope}, which is not public: Nexus does not send webhooks there."
                    : $"{uri.Host} is {scope}, which is not public: Nexus does not send webhooks there.");
            }
        }

        return null;
    }
}
