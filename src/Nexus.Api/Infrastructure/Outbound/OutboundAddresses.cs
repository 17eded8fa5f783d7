using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Infrastructure.Outbound;

/// <summary>What kind of destination an IP address is (IANA's special-purpose address registries).</summary>
public enum AddressScope
{
    /// <summary>Globally reachable unicast: the only kind allowed by default.</summary>
    Public,

    /// <summary>127.0.0.0/8, ::1.</summary>
    Loopback,

    /// <summary>10/8, 172.16/12, 192.168/16, fec0::/10, 64:ff9b:1::/48.</summary>
    Private,

    /// <summary>169.254/16 (cloud metadata services live here), fe80::/10.</summary>
    LinkLocal,

    /// <summary>100.64/10, carrier-grade NAT.</summary>
    SharedAddressSpace,

    /// <summary>fc00::/7.</summary>
    UniqueLocal,

    /// <summary>192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20.</summary>
    Documentation,

    /// <summary>198.18/15, 2001:2::/48.</summary>
    Benchmarking,

    /// <summary>Protocol assignments, deprecated and future ranges: nothing a URL should reach.</summary>
    Reserved,

    /// <summary>224/4, ff00::/8.</summary>
    Multicast,

    /// <summary>0.0.0.0/8, ::.</summary>
    Unspecified,

    /// <summary>255.255.255.255.</summary>
    Broadcast,
}

/// <summary>Classifies IP addresses for <see cref="OutboundHttp"/>'s address policy.</summary>
public static class OutboundAddresses
{
    private static readonly (uint Prefix, int Length, AddressScope Scope)[] V4 =
    [
        (0x00000000, 8, AddressScope.Unspecified),
        (0x0A000000, 8, AddressScope.Private),
        (0x64400000, 10, AddressScope.SharedAddressSpace),
        (0x7F000000, 8, AddressScope.Loopback),
        (0xA9FE0000, 16, AddressScope.LinkLocal),
        (0xAC100000, 12, AddressScope.Private),
        (0xC0000000, 24, AddressScope.Reserved),
        (0xC0000200, 24, AddressScope.Documentation),
        (0xC0586300, 24, AddressScope.Reserved),
        (0xC0A80000, 16, AddressScope.Private),
        (0xC6120000, 15, AddressScope.Benchmarking),
        (0xC6336400, 24, AddressScope.Documentation),
        (0xCB007100, 24, AddressScope.Documentation),
        (0xE0000000, 4, AddressScope.Multicast),
        (0xFFFFFFFF, 32, AddressScope.Broadcast),
        (0xF0000000, 4, AddressScope.Reserved),
    ];

    /// <summary>
    /// The scope of <paramref name="address"/>. IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64's
    /// 64:ff9b::/96, 6to4) are judged by the IPv4 address they reach.
    /// </summary>
    public static AddressScope Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return AddressScope.Reserved;
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork when written == 4 => ClassifyV4(BinaryPrimitives.ReadUInt32BigEndian(bytes)),
            AddressFamily.InterNetworkV6 when written == 16 => ClassifyV6(bytes),
            _ => AddressScope.Reserved,
        };
    }

    /// <summary>Whether <paramref name="scope"/> is a unicast scope that <see cref="OutboundOptions.AllowPrivateAddresses"/> opens.</summary>
    public static bool IsPrivateUnicast(AddressScope scope) => scope is not (AddressScope.Public or AddressScope.Multicast or AddressScope.Unspecified or AddressScope.Broadcast);

    /// <summary>How a refusal names <paramref name="scope"/> to a person.</summary>
    public static string Describe(AddressScope scope) => scope switch
    {
        AddressScope.Loopback => "a loopback address",
        AddressScope.Private => "a private-network address",
        AddressScope.LinkLocal => "a link-local address",
        AddressScope.SharedAddressSpace => "a carrier-grade NAT address",
        AddressScope.UniqueLocal => "a unique-local address",
        AddressScope.Documentation => "a documentation-only address",
        AddressScope.Benchmarking => "a benchmarking address",
        AddressScope.Multicast => "a multicast address",
        AddressScope.Unspecified => "an unspecified address",
        AddressScope.Broadcast => "the broadcast address",
        AddressScope.Reserved => "a reserved address",
        _ => "a public address",
    };

    private static AddressScope ClassifyV4(uint value)
    {
        foreach (var (prefix, length, scope) in V4)
        {
            var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
            if ((value & mask) == prefix)
            {
                return scope;
            }
        }

        return AddressScope.Public;
    }

    private static AddressScope ClassifyV6(ReadOnlySpan<byte> b)
    {
        if (b.IndexOfAnyExcept((byte)0) < 0)
        {
            return AddressScope.Unspecified;
        }

        if (b[..15].IndexOfAnyExcept((byte)0) < 0 && b[15] == 1)
        {
            return AddressScope.Loopback;
        }

        // 64:ff9b::/96 (NAT64, well-known prefix) reaches the IPv4 address in its last 32 bits.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyV4(BinaryPrimitives.ReadUInt32BigEndian(b[12..]));
        }

        // 64:ff9b:1::/48, local-use NAT64.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01)
        {
            return AddressScope.Private;
        }

        if (b[0] == 0xff)
        {
            return AddressScope.Multicast;
        }

        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        {
            return AddressScope.LinkLocal;
        }

        // fec0::/10, deprecated site-local: still routed inside some networks.
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
        {
            return AddressScope.Private;
        }

        if ((b[0] & 0xfe) == 0xfc)
        {
            return AddressScope.UniqueLocal;
        }

        // 2002::/16, 6to4: the next 32 bits are the IPv4 address it is relayed to.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return ClassifyV4(BinaryPrimitives.ReadUInt32BigEndian(b[2..6]));
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
        {
            return AddressScope.Documentation;
        }

        // 3fff::/20.
        if (b[0] == 0x3f && (b[1] & 0xf0) == 0xf0)
        {
            return AddressScope.Documentation;
        }

        // 2001::/23, IETF protocol assignments (Teredo, ORCHID, ...); 2001:2::/48 inside it is for benchmarks.
        if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xfe) == 0x00)
        {
            return b[2] == 0x00 && b[3] == 0x02 && b[4] == 0x00 && b[5] == 0x00 ? AddressScope.Benchmarking : AddressScope.Reserved;
        }

        // Only 2000::/3 is allocated as global unicast.
        return (b[0] & 0xe0) == 0x20 ? AddressScope.Public : AddressScope.Reserved;
    }
}

/// <summary>
/// Decides which endpoints <see cref="OutboundHttp"/> may connect to; asked once per connection, for every address a
/// host resolves to, on every redirect hop. Replace it in tests to allow one loopback port and refuse another.
/// </summary>
public interface IOutboundAddressPolicy
{
    bool Allows(IPEndPoint endpoint);
}

/// <summary>Public unicast only, or every unicast address with <see cref="OutboundOptions.AllowPrivateAddresses"/>.</summary>
public sealed class PublicAddressPolicy(IOptions<OutboundOptions> options) : IOutboundAddressPolicy
{
    public bool Allows(IPEndPoint endpoint)
    {
        var scope = OutboundAddresses.Classify(endpoint.Address);
        return scope == AddressScope.Public || (options.Value.AllowPrivateAddresses && OutboundAddresses.IsPrivateUnicast(scope));
    }
}

/// <summary>Resolves host names for <see cref="OutboundHttp"/>; replace it in tests to make any name resolve anywhere.</summary>
public interface IOutboundResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system's resolver.</summary>
public sealed class SystemOutboundResolver : IOutboundResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}
