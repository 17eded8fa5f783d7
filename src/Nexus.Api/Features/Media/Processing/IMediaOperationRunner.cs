using Nexus.Api.Features.Media.Storage;

namespace Nexus.Api.Features.Media.Processing;

/// <summary>
/// Does operations of some kinds (images through SkiaSharp, video and audio through ffmpeg) on local copies of library
/// items. The job runner fetches the inputs, calls the runner that <see cref="CanRun"/> the operation, probes what it
/// made and stores it as a new item; a runner neither reads nor writes the library itself.
/// </summary>
public interface IMediaOperationRunner
{
    bool CanRun(MediaOperation operation);

    /// <summary>
    /// Makes the output into a new temporary file. Refusals the user can act on (an input of the wrong kind, a trim
    /// past the end) throw <see cref="MediaRejectedException"/>; <paramref name="progress"/> takes 0–100.
    /// </summary>
    Task<ProcessedFile> RunAsync(MediaOperation operation, OperationInputs inputs, IProgress<double> progress, CancellationToken cancellationToken);
}

/// <summary>A library item and the local path of its bytes.</summary>
public sealed record OperationInput(MediaAsset Asset, string Path);

/// <summary>The source item and the others the operation names (<see cref="MediaOperation.OtherInputs"/>), by id.</summary>
public sealed record OperationInputs(OperationInput Source, IReadOnlyDictionary<Guid, OperationInput> Others);

/// <summary>What a runner made: the file (deleted on dispose) and the name the new library item takes.</summary>
public sealed record ProcessedFile(TempFile File, string Name) : IDisposable
{
    public void Dispose() => File.Dispose();
}
