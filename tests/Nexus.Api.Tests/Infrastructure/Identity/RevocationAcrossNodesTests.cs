using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Alba;

namespace Nexus.Api.Tests.Infrastructure.Identity;

/// <summary>Two API nodes on one database, sharing their signing and encryption certificates as a deployment does.</summary>
public sealed class TwoNodesFixture : ApiFixture, IAsyncLifetime
{
    private static readonly Dictionary<string, string?> Certificates = new()
    {
        ["Nexus:Auth:SigningCertificate"] = SelfSignedPfx("CN=Nexus test signing", X509KeyUsageFlags.DigitalSignature),
        ["Nexus:Auth:EncryptionCertificate"] = SelfSignedPfx("CN=Nexus test encryption", X509KeyUsageFlags.KeyEncipherment),
    };

    public IAlbaHost Other { get; private set; } = null!;

    protected override string Purpose => "revocation";

    protected override IDictionary<string, string?> Settings => Certificates;

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Other = await StartAnotherHostAsync();
    }

    public new async Task DisposeAsync()
    {
        await Other.DisposeAsync();
        await base.DisposeAsync();
    }

    private static string SelfSignedPfx(string subject, X509KeyUsageFlags usage)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return Convert.ToBase64String(certificate.Export(X509ContentType.Pfx));
    }
}

/// <summary>
/// Tokens are validated locally on each node; a revocation made through one node reaches the others by
/// PostgreSQL NOTIFY, delivered when the revoking transaction commits.
/// </summary>
public sealed class RevocationAcrossNodesTests(TwoNodesFixture api) : IClassFixture<TwoNodesFixture>
{
    private const string MeQuery = "{ me { id } }";

    // The notification travels asynchronously from the commit to the other node's listener: allow it a moment,
    // far below anything a person could use a stolen token in.
    private static readonly TimeSpan Moment = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task an_access_token_revoked_on_one_node_is_refused_by_the_other()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        Assert.Equal(200, (await api.Other.PostGraphQLAsync(tokens.AccessToken, MeQuery)).Status);

        using var client = api.Host.Server.CreateClient();
        var revoke = await client.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = "nexus-cli",
            ["token"] = tokens.AccessToken,
            ["token_type_hint"] = "access_token",
        }));

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        // The revoking node refuses it at once, without waiting for its own notification.
        Assert.Equal(401, (await api.Host.PostGraphQLAsync(tokens.AccessToken, MeQuery)).Status);
        await RefusedByBothAsync(tokens.AccessToken);
    }

    [Fact]
    public async Task a_token_family_revoked_on_one_node_is_refused_by_the_other()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        var rotated = await api.Host.RefreshAsync(tokens.RefreshToken);
        Assert.Equal(200, (await api.Other.PostGraphQLAsync(rotated.AccessToken, MeQuery)).Status);

        Assert.Equal("invalid_grant", (await api.Host.RefreshAsync(tokens.RefreshToken)).Error);

        Assert.Equal(401, (await api.Host.PostGraphQLAsync(rotated.AccessToken, MeQuery)).Status);
        await RefusedByBothAsync(rotated.AccessToken);
    }

    [Fact]
    public async Task a_node_started_after_a_revocation_refuses_the_token()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        var rotated = await api.Host.RefreshAsync(tokens.RefreshToken);
        Assert.Equal("invalid_grant", (await api.Host.RefreshAsync(tokens.RefreshToken)).Error);

        await using var late = await api.StartAnotherHostAsync();

        Assert.Equal(401, (await late.PostGraphQLAsync(rotated.AccessToken, MeQuery)).Status);
    }

    /// <summary>The other node refuses the token within the notification's delivery, and then both refuse it.</summary>
    private async Task RefusedByBothAsync(string accessToken)
    {
        await Eventually.TrueAsync(async () => (await api.Other.PostGraphQLAsync(accessToken, MeQuery)).Status == 401,
            "The other node still accepts a token revoked through the first.", Moment);

        Assert.Equal(401, (await api.Host.PostGraphQLAsync(accessToken, MeQuery)).Status);
        Assert.Equal(401, (await api.Other.PostGraphQLAsync(accessToken, MeQuery)).Status);
    }
}
