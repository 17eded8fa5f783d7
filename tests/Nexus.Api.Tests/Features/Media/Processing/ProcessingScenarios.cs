using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Probing;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Workspaces;
using Wolverine;
using Wolverine.Tracking;

namespace Nexus.Api.Tests.Features.Media.Processing;

public static class ProcessingScenarios
{
    public static Guid LocalId(string globalId, string typeName) =>
        GlobalId.TryParse(globalId, typeName, out var id) ? id : throw new ArgumentException($"Not a {typeName} id: {globalId}");

    public static Guid WorkspaceGuid(string workspaceId) => LocalId(workspaceId, WorkspaceType.TypeName);

    /// <summary>
    /// A library item made the way an upload makes one (the bytes probed and stored, <see cref="MediaAdded"/> recorded);
    /// the upload endpoints are another slice's.
    /// </summary>
    public static async Task<Guid> AddMediaAsync(this IAlbaHost host, string workspaceId, byte[] bytes, string name, Guid? byUserId = null)
    {
        var workspace = WorkspaceGuid(workspaceId);
        using var file = new TestFile(Path.Combine(Path.GetTempPath(), $"nexus-test-{Guid.NewGuid():N}{Path.GetExtension(name)}"));
        await File.WriteAllBytesAsync(file.Path, bytes);
        var facts = await host.Services.GetRequiredService<MediaProbe>().ProbeAsync(file.Path, CancellationToken.None);
        var id = Guid.CreateVersion7();
        var key = MediaAsset.KeyFor(workspace, id, facts);
        await using (var content = File.OpenRead(file.Path))
        {
            await host.Services.GetRequiredService<IMediaStore>().PutAsync(key, content, facts.Mime, CancellationToken.None);
        }

        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.StartStream<MediaAsset>(id,
            new MediaAdded(id, workspace, name, facts, key, MediaOrigin.Upload, null, null, [], byUserId ?? Guid.NewGuid(), DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
        return id;
    }

    /// <summary>Records a job as <see cref="MediaJobs.Request"/> makes one and runs it, waiting for it and what it cascades.</summary>
    public static async Task<MediaJob> RunJobAsync(this IAlbaHost host, string workspaceId, Guid sourceId, MediaOperation operation, FitPurpose? purpose = null)
    {
        var (start, run) = MediaJobs.Request(WorkspaceGuid(workspaceId), sourceId, operation, purpose, Guid.NewGuid(), DateTimeOffset.UtcNow);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            start.Execute(session);
            await session.SaveChangesAsync();
        }

        await host.RunJobAsync(run);
        return (await host.JobAsync(run.JobId))!;
    }

    public static async Task RunJobAsync(this IAlbaHost host, RunMediaJob run) =>
        await host.TrackActivity().Timeout(TimeSpan.FromSeconds(60)).ExecuteAndWaitAsync((IMessageContext context) => context.InvokeAsync(run));

    public static async Task<MediaJob?> JobAsync(this IAlbaHost host, Guid jobId)
    {
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.LoadAsync<MediaJob>(jobId);
    }

    public static async Task<MediaAsset?> MediaAsync(this IAlbaHost host, Guid mediaId)
    {
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.LoadAsync<MediaAsset>(mediaId);
    }

    public static async Task<byte[]> StoredBytesAsync(this IAlbaHost host, MediaAsset asset)
    {
        await using var stored = await host.Services.GetRequiredService<IMediaStore>().OpenAsync(asset.StorageKey, null, CancellationToken.None)
            ?? throw new InvalidOperationException($"Nothing stored under {asset.StorageKey}");
        using var copy = new MemoryStream();
        await stored.Content.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>A small picture in the workspace, as the global id the authorization matrix passes to <c>processMedia</c>.</summary>
    public static async Task<string> MatrixImageAsync(IAlbaHost host, Person owner, string workspace) =>
        GlobalId.Encode(MediaItemType.TypeName, await host.AddMediaAsync(workspace, TestMedia.Image(64, 48), "matrix.jpg"));
}
