using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Nexus.Api.Features.Webhooks;

/// <summary>
/// Each platform's signature scheme, checked on the raw bytes of the body before anything reads them, and compared in
/// constant time (<see cref="CryptographicOperations.FixedTimeEquals"/>): an attacker learns nothing from how long a
/// wrong signature takes to refuse. Every method answers only whether the signature holds; none throws on bad input.
/// </summary>
public static class WebhookSignatures
{
    /// <summary>How far a signed timestamp may be from now, either way (TikTok, the sandbox).</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>Meta: <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256(body, app secret)&gt;</c>.</summary>
    public static bool Meta(string? header, ReadOnlySpan<byte> body, string? appSecret) =>
        Prefixed(header, "sha256=") is { } hex && appSecret is { Length: > 0 } && HexEquals(hex, HMACSHA256.HashData(Utf8(appSecret), body));

    /// <summary>X: <c>x-twitter-webhooks-signature: sha256=&lt;base64 HMAC-SHA256(body, consumer secret)&gt;</c>.</summary>
    public static bool X(string? header, ReadOnlySpan<byte> body, string? consumerSecret) =>
        Prefixed(header, "sha256=") is { } given && consumerSecret is { Length: > 0 } && Base64Equals(given, HMACSHA256.HashData(Utf8(consumerSecret), body));

    /// <summary>X's CRC answer: <c>sha256=</c> + base64 HMAC-SHA256(crc_token, consumer secret).</summary>
    public static string XCrcResponse(string crcToken, string consumerSecret) =>
        "sha256=" + Convert.ToBase64String(HMACSHA256.HashData(Utf8(consumerSecret), Utf8(crcToken)));

    /// <summary>LinkedIn: <c>X-LI-Signature: &lt;hex HMAC-SHA256("hmacsha256=" + body, client secret)&gt;</c>.</summary>
    public static bool LinkedIn(string? header, ReadOnlySpan<byte> body, string? clientSecret)
    {
        if (string.IsNullOrEmpty(header) || clientSecret is not { Length: > 0 })
        {
            return false;
        }

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Utf8(clientSecret));
        hmac.AppendData("hmacsha256="u8);
        hmac.AppendData(body);
        return HexEquals(header.Trim(), hmac.GetHashAndReset());
    }

    /// <summary>LinkedIn's validation answer: hex HMAC-SHA256(challengeCode, client secret).</summary>
    public static string LinkedInChallengeResponse(string challengeCode, string clientSecret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Utf8(clientSecret), Utf8(challengeCode)));

    /// <summary>TikTok: <c>TikTok-Signature: t=&lt;unix seconds&gt;,s=&lt;hex HMAC-SHA256("{t}." + body, client secret)&gt;</c>, <c>t</c> within <see cref="Tolerance"/>.</summary>
    public static bool TikTok(string? header, ReadOnlySpan<byte> body, string? clientSecret, DateTimeOffset now) =>
        Timestamped(header, "s", body, clientSecret, now, Tolerance);

    /// <summary>The sandbox: <c>Sandbox-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256("{t}." + body, sandbox client secret)&gt;</c>.</summary>
    public static bool Sandbox(string? header, ReadOnlySpan<byte> body, string? clientSecret, DateTimeOffset now) =>
        Timestamped(header, "v1", body, clientSecret, now, Tolerance);

    /// <summary>
    /// Stripe: <c>Stripe-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256("{t}." + body, endpoint secret)&gt;</c>, with one
    /// <c>v1</c> per secret while Stripe rolls the endpoint's secret (any one of them matching will do), <c>t</c> within
    /// <paramref name="tolerance"/>.
    /// </summary>
    public static bool Stripe(string? header, ReadOnlySpan<byte> body, string? secret, DateTimeOffset now, TimeSpan tolerance) =>
        Timestamped(header, "v1", body, secret, now, tolerance, anyOfSeveral: true);

    /// <summary>
    /// Signs like the sandbox and Stripe do (the same scheme): what they put in <c>Sandbox-Signature</c> and
    /// <c>Stripe-Signature</c>.
    /// </summary>
    public static string SandboxHeader(ReadOnlySpan<byte> body, string clientSecret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(TimestampedMac(t, body, clientSecret))}";
    }

    /// <summary>WebSub: <c>X-Hub-Signature: sha1=&lt;hex HMAC-SHA1(body, hub.secret)&gt;</c> (the spec also allows sha256/384/512).</summary>
    public static bool WebSub(string? header, ReadOnlySpan<byte> body, string? secret)
    {
        var equals = header?.IndexOf('=', StringComparison.Ordinal) ?? -1;
        if (header is null || equals <= 0 || secret is not { Length: > 0 })
        {
            return false;
        }

        var key = Utf8(secret);
        byte[]? mac = header[..equals] switch
        {
#pragma warning disable CA5350 // WebSub hubs (YouTube's among them) sign with HMAC-SHA1; it is theirs to choose, not ours.
            "sha1" => HMACSHA1.HashData(key, body),
#pragma warning restore CA5350
            "sha256" => HMACSHA256.HashData(key, body),
            "sha384" => HMACSHA384.HashData(key, body),
            "sha512" => HMACSHA512.HashData(key, body),
            _ => null,
        };
        return mac is not null && HexEquals(header[(equals + 1)..], mac);
    }

    /// <summary>Constant-time comparison of two strings (a verify token against the configured one).</summary>
    public static bool SameSecret(string? given, string? expected) =>
        given is not null && expected is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Utf8(given)), SHA256.HashData(Utf8(expected)));

    /// <summary>
    /// Meta's <c>signed_request</c> (deauthorize and data-deletion callbacks): <c>base64url(sig).base64url(payload)</c>,
    /// sig = HMAC-SHA256(the payload part as sent, app secret). Answers the payload's bytes when the signature holds.
    /// </summary>
    public static byte[]? MetaSignedRequest(string? signedRequest, string? appSecret)
    {
        if (string.IsNullOrEmpty(signedRequest) || appSecret is not { Length: > 0 } || signedRequest.Split('.') is not [var signature, var payload])
        {
            return null;
        }

        try
        {
            var given = Base64Url.DecodeFromChars(signature);
            var expected = HMACSHA256.HashData(Utf8(appSecret), Encoding.ASCII.GetBytes(payload));
            return CryptographicOperations.FixedTimeEquals(given, expected) ? Base64Url.DecodeFromChars(payload) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>t=…,{macName}=…</c>: a hex HMAC-SHA256 of <c>"{t}." + body</c>, <c>t</c> within <paramref name="tolerance"/>. With
    /// <paramref name="anyOfSeveral"/>, every <paramref name="macName"/> given is a candidate; otherwise the last one is.
    /// </summary>
    private static bool Timestamped(string? header, string macName, ReadOnlySpan<byte> body, string? secret, DateTimeOffset now, TimeSpan tolerance,
        bool anyOfSeveral = false)
    {
        if (string.IsNullOrEmpty(header) || secret is not { Length: > 0 })
        {
            return false;
        }

        string? t = null;
        var macs = new List<string>(1);
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            var (name, value) = (part[..equals], part[(equals + 1)..]);
            if (name == "t")
            {
                t = value;
            }
            else if (name == macName)
            {
                if (!anyOfSeveral)
                {
                    macs.Clear();
                }

                macs.Add(value);
            }
        }

        if (t is null || macs.Count == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age.Duration() > tolerance)
        {
            return false;
        }

        var expected = TimestampedMac(t, body, secret);
        // Every candidate is compared, so the time taken does not say which one matched.
        var matched = false;
        foreach (var mac in macs)
        {
            matched |= HexEquals(mac, expected);
        }

        return matched;
    }

    private static byte[] TimestampedMac(string t, ReadOnlySpan<byte> body, string secret)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Utf8(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(t + "."));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    private static string? Prefixed(string? header, string prefix) =>
        header is not null && header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? header[prefix.Length..].Trim() : null;

    private static bool HexEquals(string hex, byte[] expected)
    {
        if (hex.Length != expected.Length * 2)
        {
            return false;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(hex), expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool Base64Equals(string base64, byte[] expected)
    {
        var given = new byte[expected.Length + 3];
        return Convert.TryFromBase64String(base64, given, out var written) && written == expected.Length &&
            CryptographicOperations.FixedTimeEquals(given.AsSpan(0, written), expected);
    }

    private static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);
}
