using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Nexus.Api.Features.Webhooks;

namespace Nexus.Api.Tests.Features.Webhooks;

/// <summary>Each scheme against a signature computed here the way the platform documents it.</summary>
public sealed class WebhookSignatureTests
{
    private const string Secret = "app-secret";
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"object":"page","entry":[]}""");

    private static byte[] Mac(string secret, byte[] data) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data);

    [Fact]
    public void meta_checks_the_hex_hmac_of_the_raw_body()
    {
        var header = "sha256=" + Convert.ToHexStringLower(Mac(Secret, Body));
        Assert.True(WebhookSignatures.Meta(header, Body, Secret));
        Assert.False(WebhookSignatures.Meta(header, [.. Body, (byte)' '], Secret));
        Assert.False(WebhookSignatures.Meta(header, Body, "other-secret"));
        Assert.False(WebhookSignatures.Meta(null, Body, Secret));
        Assert.False(WebhookSignatures.Meta("sha256=zz", Body, Secret));
        Assert.False(WebhookSignatures.Meta(header, Body, null));
    }

    [Fact]
    public void x_checks_the_base64_hmac_and_answers_the_crc()
    {
        Assert.True(WebhookSignatures.X("sha256=" + Convert.ToBase64String(Mac(Secret, Body)), Body, Secret));
        Assert.False(WebhookSignatures.X("sha256=" + Convert.ToBase64String(Mac("nope", Body)), Body, Secret));
        Assert.False(WebhookSignatures.X("sha256=%%%", Body, Secret));
        Assert.Equal("sha256=" + Convert.ToBase64String(Mac(Secret, Encoding.UTF8.GetBytes("crc-1"))), WebhookSignatures.XCrcResponse("crc-1", Secret));
    }

    [Fact]
    public void linkedin_signs_the_prefixed_body_and_answers_the_challenge()
    {
        var signed = Convert.ToHexStringLower(Mac(Secret, [.. "hmacsha256="u8.ToArray(), .. Body]));
        Assert.True(WebhookSignatures.LinkedIn(signed, Body, Secret));
        Assert.False(WebhookSignatures.LinkedIn(Convert.ToHexStringLower(Mac(Secret, Body)), Body, Secret));
        Assert.Equal(Convert.ToHexStringLower(Mac(Secret, Encoding.UTF8.GetBytes("f8c3de3d"))), WebhookSignatures.LinkedInChallengeResponse("f8c3de3d", Secret));
    }

    [Fact]
    public void tiktok_and_the_sandbox_accept_five_minutes_either_way_and_no_more()
    {
        foreach (var offset in new[] { -299, 0, 299 })
        {
            var t = Now.AddSeconds(offset).ToUnixTimeSeconds();
            var tiktok = $"t={t},s={Convert.ToHexStringLower(Mac(Secret, [.. Encoding.ASCII.GetBytes($"{t}."), .. Body]))}";
            Assert.True(WebhookSignatures.TikTok(tiktok, Body, Secret, Now));
            Assert.True(WebhookSignatures.Sandbox(WebhookSignatures.SandboxHeader(Body, Secret, Now.AddSeconds(offset)), Body, Secret, Now));
        }

        foreach (var offset in new[] { -301, 301 })
        {
            var t = Now.AddSeconds(offset).ToUnixTimeSeconds();
            var stale = $"t={t},s={Convert.ToHexStringLower(Mac(Secret, [.. Encoding.ASCII.GetBytes($"{t}."), .. Body]))}";
            Assert.False(WebhookSignatures.TikTok(stale, Body, Secret, Now));
            Assert.False(WebhookSignatures.Sandbox(WebhookSignatures.SandboxHeader(Body, Secret, Now.AddSeconds(offset)), Body, Secret, Now));
        }

        Assert.False(WebhookSignatures.TikTok("t=abc,s=00", Body, Secret, Now));
        Assert.False(WebhookSignatures.TikTok($"t={Now.ToUnixTimeSeconds()}", Body, Secret, Now));
        Assert.False(WebhookSignatures.Sandbox(WebhookSignatures.SandboxHeader(Body, "other", Now), Body, Secret, Now));
    }

    [Fact]
    public void websub_checks_the_algorithm_the_hub_names()
    {
#pragma warning disable CA5350 // WebSub's default scheme.
        var sha1 = "sha1=" + Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(Secret), Body));
#pragma warning restore CA5350
        Assert.True(WebhookSignatures.WebSub(sha1, Body, Secret));
        Assert.True(WebhookSignatures.WebSub("sha256=" + Convert.ToHexStringLower(Mac(Secret, Body)), Body, Secret));
        Assert.False(WebhookSignatures.WebSub(sha1, Body, "other"));
        Assert.False(WebhookSignatures.WebSub("md5=00", Body, Secret));
        Assert.False(WebhookSignatures.WebSub(null, Body, Secret));
    }

    [Fact]
    public void a_meta_signed_request_answers_its_payload_only_under_the_app_secret()
    {
        var signed = MetaSignedRequest("""{"algorithm":"HMAC-SHA256","issued_at":1,"user_id":"1234"}""", Secret);
        Assert.Equal("1234", MetaCallbacks.UserIdOf(WebhookSignatures.MetaSignedRequest(signed, Secret)!));
        Assert.Null(WebhookSignatures.MetaSignedRequest(signed, "other"));
        Assert.Null(WebhookSignatures.MetaSignedRequest("no-dot", Secret));
        Assert.Null(WebhookSignatures.MetaSignedRequest("!!.??", Secret));
    }

    [Fact]
    public void a_verify_token_must_match_exactly()
    {
        Assert.True(WebhookSignatures.SameSecret("token-1", "token-1"));
        Assert.False(WebhookSignatures.SameSecret("token-2", "token-1"));
        Assert.False(WebhookSignatures.SameSecret("", null));
    }

    internal static string MetaSignedRequest(string payloadJson, string secret)
    {
        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadJson));
        return Base64Url.EncodeToString(Mac(secret, Encoding.ASCII.GetBytes(payload))) + "." + payload;
    }
}
