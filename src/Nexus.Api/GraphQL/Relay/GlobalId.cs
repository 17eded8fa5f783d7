using System.Buffers.Text;
using System.Text;

namespace Nexus.Api.GraphQL.Relay;

/// <summary>
/// Opaque Relay identifiers: base64url of <c>"{TypeName}:{guid}"</c>. Clients must treat them as opaque;
/// the type name lets <c>node(id)</c> route to the right resolver without a lookup table.
/// </summary>
public readonly record struct GlobalId(string TypeName, Guid Id)
{
    public override string ToString() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{TypeName}:{Id:N}"));

    public static string Encode(string typeName, Guid id) => new GlobalId(typeName, id).ToString();

    /// <summary>Parses an id produced by <see cref="ToString"/>; false for anything else.</summary>
    public static bool TryParse(string? value, out GlobalId globalId)
    {
        globalId = default;
        if (string.IsNullOrEmpty(value) || value.Length > 128)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[96];
        if (Base64Url.DecodeFromChars(value, buffer, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(buffer[..written]);
        var separator = text.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0 || !Guid.TryParseExact(text.AsSpan(separator + 1), "N", out var id))
        {
            return false;
        }

        globalId = new GlobalId(text[..separator], id);
        return true;
    }

    /// <summary>Parses an id that must name <paramref name="typeName"/>.</summary>
    public static bool TryParse(string? value, string typeName, out Guid id)
    {
        id = default;
        if (!TryParse(value, out var parsed) || parsed.TypeName != typeName)
        {
            return false;
        }

        id = parsed.Id;
        return true;
    }
}
