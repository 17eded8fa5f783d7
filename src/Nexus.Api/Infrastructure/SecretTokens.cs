using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Nexus.Api.Infrastructure;

/// <summary>
/// Single-use tokens sent by email (invitations, verification, password reset): 256 random bits for the person,
/// only their SHA-256 for the database, so a copy of the database cannot be used to redeem them.
/// </summary>
public static class SecretTokens
{
    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

/// <summary>Where people reach Nexus, for links in emails; bound from <c>Nexus</c>.</summary>
public sealed class NexusUrls
{
    /// <summary>The frontend app's base URL (<c>Nexus:FrontendUrl</c>).</summary>
    public string FrontendUrl { get; set; } = "http://localhost:5173";

    /// <summary>This API's own public base URL (<c>Nexus:PublicUrl</c>), for OAuth redirect URIs; defaults to <see cref="ListenAddress"/>.</summary>
    public string PublicUrl { get; set; } = "http://localhost:5080";
}
