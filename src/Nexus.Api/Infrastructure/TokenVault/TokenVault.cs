using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Infrastructure.TokenVault;

/// <summary>One key of the ring: an id stored beside every ciphertext it made, and 32 random bytes (base64).</summary>
public sealed class TokenVaultKey
{
    public string Id { get; set; } = "";

    public string Key { get; set; } = "";
}

/// <summary>The key ring, bound from <c>Nexus:TokenVault</c>. The first key encrypts; all of them decrypt.</summary>
public sealed class TokenVaultOptions
{
    public const string Section = "Nexus:TokenVault";

    public List<TokenVaultKey> Keys { get; set; } = [];

    /// <summary>Outside Production, where a generated key is kept when none is configured.</summary>
    public string DevelopmentKeyFile { get; set; } = ".data/token-vault.json";
}

/// <summary>
/// A secret sealed by the vault: which key, and nonce + tag + ciphertext (base64). The owner's id is bound in as
/// associated data, so a sealed secret copied onto another record does not open.
/// </summary>
public sealed record SealedSecret(string KeyId, string Payload);

/// <summary>
/// AES-256-GCM encryption of platform tokens. Tokens exist in plaintext only in memory: sealed in their own
/// documents, never in events, logs or GraphQL.
/// </summary>
public sealed class TokenVault
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly IReadOnlyList<(string Id, byte[] Key)> _keys;

    public TokenVault(IOptions<TokenVaultOptions> options)
    {
        _keys = [.. options.Value.Keys.Select(k => (k.Id, Decode(k)))];
        if (_keys.Count == 0)
        {
            throw new InvalidOperationException("The token vault has no keys: set Nexus:TokenVault:Keys (id + base64 32-byte key).");
        }

        if (_keys.Select(k => k.Id).Distinct(StringComparer.Ordinal).Count() != _keys.Count)
        {
            throw new InvalidOperationException("Token vault key ids must be unique.");
        }
    }

    /// <summary>The id of the key that seals new secrets.</summary>
    public string ActiveKeyId => _keys[0].Id;

    public SealedSecret Seal<T>(Guid ownerId, T secret)
    {
        var (keyId, key) = _keys[0];
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(secret);
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedData(ownerId));
        CryptographicOperations.ZeroMemory(plaintext);
        return new SealedSecret(keyId, Convert.ToBase64String(output));
    }

    public T Open<T>(Guid ownerId, SealedSecret sealedSecret)
    {
        var key = _keys.FirstOrDefault(k => k.Id == sealedSecret.KeyId).Key
            ?? throw new CryptographicException($"Token vault key '{sealedSecret.KeyId}' is not in the ring; it was removed before its secrets were re-encrypted.");
        var input = Convert.FromBase64String(sealedSecret.Payload);
        var plaintext = new byte[input.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize + TagSize), input.AsSpan(NonceSize, TagSize), plaintext, AssociatedData(ownerId));
        try
        {
            return JsonSerializer.Deserialize<T>(plaintext)!;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Re-seals under the active key; unchanged when already there.</summary>
    public SealedSecret Reseal<T>(Guid ownerId, SealedSecret sealedSecret) =>
        sealedSecret.KeyId == ActiveKeyId ? sealedSecret : Seal(ownerId, Open<T>(ownerId, sealedSecret));

    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static byte[] AssociatedData(Guid ownerId) => Encoding.ASCII.GetBytes(ownerId.ToString("N"));

    private static byte[] Decode(TokenVaultKey key)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(key.Key);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"Token vault key '{key.Id}' is not base64.");
        }

        return bytes.Length == 32 && key.Id.Length > 0
            ? bytes
            : throw new InvalidOperationException($"Token vault key '{key.Id}' must have an id and be 32 bytes (AES-256).");
    }
}
