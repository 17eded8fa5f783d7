namespace Nexus.Api.Features.Media.Storage;

/// <summary>
/// Where library files live: local disk by default, an S3-compatible object store by configuration. Keys are
/// <see cref="MediaAsset.KeyFor"/>'s; a stored file is never changed (a processed result is a new item and key).
/// Every implementation passes the same contract tests.
/// </summary>
public interface IMediaStore
{
    /// <summary>Stores <paramref name="content"/> (read to its end) under <paramref name="key"/>, replacing nothing: a key is written once.</summary>
    Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken);

    /// <summary>The file, or null when there is none under <paramref name="key"/>. <paramref name="range"/> reads part of it.</summary>
    Task<StoredMedia?> OpenAsync(string key, ByteRange? range, CancellationToken cancellationToken);

    /// <summary>Removes the file; nothing happens when there is none.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>Bytes <see cref="From"/>..<see cref="To"/> inclusive (To null: to the end), as an HTTP Range names them.</summary>
public sealed record ByteRange(long From, long? To);

/// <summary>An open stored file: its content (the range asked for), the range's length and the whole file's.</summary>
public sealed class StoredMedia(Stream content, long length, long totalLength, string contentType) : IAsyncDisposable
{
    public Stream Content { get; } = content;

    public long Length { get; } = length;

    public long TotalLength { get; } = totalLength;

    public string ContentType { get; } = contentType;

    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

public static class MediaStoreExtensions
{
    /// <summary>
    /// Copies a stored file to a temporary file that is deleted on dispose: ffmpeg and the image decoder read files, and
    /// an object store's stream cannot seek.
    /// </summary>
    public static async Task<TempFile> ToTempFileAsync(this IMediaStore store, string key, CancellationToken cancellationToken)
    {
        await using var stored = await store.OpenAsync(key, null, cancellationToken)
            ?? throw new FileNotFoundException($"No stored media under {key}.");
        var file = TempFile.New(Path.GetExtension(key));
        try
        {
            await using var output = new FileStream(file.Path, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await stored.Content.CopyToAsync(output, cancellationToken);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}

/// <summary>A temporary file path, deleted on dispose.</summary>
public sealed class TempFile : IDisposable
{
    private TempFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>A new unique path in the temporary directory with <paramref name="extension"/> (ffmpeg picks formats by it).</summary>
    public static TempFile New(string extension) =>
        new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"nexus-media-{Guid.NewGuid():N}{extension}"));

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // A file still open elsewhere is left to the temporary directory's own cleaning.
        }
    }
}
