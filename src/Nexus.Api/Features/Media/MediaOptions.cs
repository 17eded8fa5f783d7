namespace Nexus.Api.Features.Media;

/// <summary>Where media is kept and the limits every file is held to (<c>Nexus:Media</c>).</summary>
public sealed class MediaOptions
{
    public const string Section = "Nexus:Media";

    /// <summary><c>Local</c> (default: files under <see cref="LocalRoot"/>) or <c>S3</c> (an S3-compatible object store).</summary>
    public MediaStorageKind Storage { get; set; } = MediaStorageKind.Local;

    /// <summary>The local store's directory; relative paths are under the content root.</summary>
    public string LocalRoot { get; set; } = ".data/media";

    public S3MediaOptions S3 { get; set; } = new();

    /// <summary>Largest image (and GIF) file accepted.</summary>
    public long MaxImageBytes { get; set; } = 30L * 1024 * 1024;

    /// <summary>Largest video file accepted (YouTube's and TikTok's limits are larger; this is the library's own).</summary>
    public long MaxVideoBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    public long MaxAudioBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>Decompression-bomb guard: an image or video frame with more pixels is refused before it is decoded.</summary>
    public long MaxPixels { get; set; } = 100_000_000;

    /// <summary>Longest video or audio accepted (YouTube's default upload limit is 12 h; no other platform takes over 125 min).</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromHours(3);

    /// <summary>How long probing one file may take before it is refused.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one ffmpeg run (a transcode, a merge) may take before it is stopped and its job failed.</summary>
    public TimeSpan ProcessTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Address-space limit for each ffmpeg process, in bytes (applied with prlimit where available).</summary>
    public long ProcessMemoryBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>How long a signed media URL works: long enough for a platform to fetch it after a publish call.</summary>
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(24);
}

public enum MediaStorageKind
{
    Local,
    S3,
}

/// <summary>An S3-compatible store (AWS S3, MinIO, s3rver …). Keys come from configuration, never from the repo.</summary>
public sealed class S3MediaOptions
{
    public string Bucket { get; set; } = "nexus-media";

    /// <summary>For S3-compatible servers: their URL (path-style addressing is used then). Empty for AWS.</summary>
    public string? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }
}
