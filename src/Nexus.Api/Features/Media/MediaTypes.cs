using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Media;

/// <summary>
/// The types Nexus accepts, told from a file's first bytes (its magic numbers), never from its name or a declared
/// Content-Type: a client's word for what it sends decides nothing. Probing then confirms it by decoding.
/// </summary>
public static class MediaTypes
{
    /// <summary>How many leading bytes <see cref="Sniff"/> needs.</summary>
    public const int SniffLength = 16;

    /// <summary>The MIME type and kind the bytes start like, or null for anything else.</summary>
    public static (string Mime, MediaKind Kind)? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return ("image/jpeg", MediaKind.Image);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ("image/png", MediaKind.Image);
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return ("image/gif", MediaKind.Gif);
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8))
        {
            var form = head[8..12];
            if (form.SequenceEqual("WEBP"u8))
            {
                return ("image/webp", MediaKind.Image);
            }

            if (form.SequenceEqual("WAVE"u8))
            {
                return ("audio/wav", MediaKind.Audio);
            }
        }

        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = head[8..12];
            if (brand.SequenceEqual("qt  "u8))
            {
                return ("video/quicktime", MediaKind.Video);
            }

            if (brand.SequenceEqual("M4A "u8))
            {
                return ("audio/mp4", MediaKind.Audio);
            }

            // heic/avif are ISO boxes too, but neither is a format any platform here takes as an image upload.
            if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("avif"u8) || brand.SequenceEqual("mif1"u8))
            {
                return null;
            }

            return ("video/mp4", MediaKind.Video);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
        {
            return ("video/webm", MediaKind.Video);
        }

        if (head.StartsWith("ID3"u8))
        {
            return ("audio/mpeg", MediaKind.Audio);
        }

        // An MPEG audio frame sync (11 bits set); layer bits 00 are ADTS (AAC), any other layer is MP3.
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0)
        {
            return (head[1] & 0x06) == 0 ? ("audio/aac", MediaKind.Audio) : ("audio/mpeg", MediaKind.Audio);
        }

        if (head.StartsWith("OggS"u8))
        {
            return ("audio/ogg", MediaKind.Audio);
        }

        return null;
    }

    private static readonly (string Mime, string Extension)[] Extensions =
    [
        ("image/jpeg", ".jpg"), ("image/png", ".png"), ("image/gif", ".gif"), ("image/webp", ".webp"),
        ("video/mp4", ".mp4"), ("video/quicktime", ".mov"), ("video/webm", ".webm"),
        ("audio/mp4", ".m4a"), ("audio/mpeg", ".mp3"), ("audio/aac", ".aac"), ("audio/wav", ".wav"), ("audio/ogg", ".ogg"),
    ];

    /// <summary>The usual extension (with its dot) of a type Nexus accepts; <c>.bin</c> for any other.</summary>
    public static string ExtensionOf(string mime) => Array.Find(Extensions, e => e.Mime == mime).Extension ?? ".bin";

    /// <summary>The type a stored file's extension stands for (stores name keys with <see cref="ExtensionOf"/>).</summary>
    public static string MimeOfExtension(string extension) => Array.Find(Extensions, e => e.Extension == extension).Mime ?? "application/octet-stream";
}
