namespace Nexus.Api.Features.Media.Uploading;

/// <summary>Limits of <c>/media/uploads</c> (<c>Nexus:Media:Uploads</c>); the size limits per kind are <see cref="MediaOptions"/>'.</summary>
public sealed class UploadOptions
{
    public const string Section = MediaOptions.Section + ":Uploads";

    /// <summary>How long an unfinished resumable upload is kept after its last received bytes (its <c>Upload-Expires</c>).</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Unfinished resumable uploads one workspace may have open at once.</summary>
    public int MaxOpenPerWorkspace { get; set; } = 50;

    /// <summary>Longest <c>Upload-Metadata</c> header accepted, in characters.</summary>
    public int MaxMetadataLength { get; set; } = 4096;

    /// <summary>Longest file name accepted in metadata or a form, in characters (names are then cut to the library's length).</summary>
    public int MaxFileNameLength { get; set; } = 1024;

    /// <summary>
    /// The received bytes are staged in the media store in parts of at most this size, each recorded as it is stored: a
    /// connection that drops keeps every byte received so far, and no node keeps more than a part on its own disk.
    /// </summary>
    public long PartBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>How long one node may take to assemble, probe and store a finished upload before another may try.</summary>
    public TimeSpan FinishLease { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>How often every node removes expired uploads and their staged parts.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Expired uploads removed per statement of a sweep.</summary>
    public int SweepBatch { get; set; } = 100;
}
