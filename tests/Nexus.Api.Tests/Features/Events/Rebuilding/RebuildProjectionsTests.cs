using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.EventStreams.Rebuilding;
using Nexus.Api.Infrastructure;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;

namespace Nexus.Api.Tests.Features.Events.Rebuilding;

/// <summary>A database of its own: a rebuild clears a projection's documents for every reader of the database.</summary>
public sealed class RebuildFixture : ApiFixture
{
    protected override string Purpose => "rebuild";
}

[CollectionDefinition(Name)]
public sealed class RebuildCollection : ICollectionFixture<RebuildFixture>
{
    public const string Name = "rebuild";
}

[Collection(RebuildCollection.Name)]
public sealed class RebuildProjectionsTests(RebuildFixture api)
{
    private static readonly string[] Documents = ["post", "workspace", "user", "connection"];

    [Fact]
    public void the_command_knows_every_projection_inline_and_async()
    {
        var projections = ProjectionRebuild.Projections(api.Host.Services.GetRequiredService<IDocumentStore>());

        Assert.Subset(
            projections.Select(p => (p.Name, p.Lifecycle)).ToHashSet(),
            new HashSet<(string, ProjectionLifecycle)>
            {
                ("Connection", ProjectionLifecycle.Inline), ("Nexus.Api.Features.Analytics.Syncing.MetricRows", ProjectionLifecycle.Async), ("Post", ProjectionLifecycle.Inline),
                ("User", ProjectionLifecycle.Inline), ("Workspace", ProjectionLifecycle.Inline),
            });
        Assert.Equal("Nexus.Api.Features.Analytics.Syncing.MetricRows", ProjectionRebuild.Find(projections, "MetricRows")?.Name);
    }

    [Fact]
    public async Task documents_deleted_and_rebuilt_from_the_events_are_what_they_were()
    {
        var owner = await api.Host.PersonAsync("Rita");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, "Rebuilt");
        await api.Host.MutateAsync(owner, "renameWorkspace", "RenameWorkspaceInput", new { workspaceId = workspace, name = "Rebuilt twice" });
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, "first", connection);
        await api.Host.PostMutationAsync(owner, "updatePost", new { postId = post, expectedVersion = 1, text = "second", targets = new[] { new { connectionId = connection } } });
        await api.Host.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddDays(3));
        var before = await DocumentsAsync();
        Assert.All(Documents, d => Assert.NotEmpty(before[d]));

        await ExecuteAsync(string.Join(';', Documents.Select(d => $"delete from {Persistence.SchemaName}.mt_doc_{d}")));
        var emptied = await DocumentsAsync();
        Assert.All(Documents, d => Assert.Empty(emptied[d]));
        var output = new StringWriter();
        var results = await ProjectionRebuild.RunAsync(api.Host.Services.GetRequiredService<IDocumentStore>(), ["Post", "Workspace", "User", "Connection"], output, CancellationToken.None);

        var after = await DocumentsAsync();
        Assert.All(Documents, d => Assert.Equal(before[d], after[d]));
        Assert.Equal(["Post", "Workspace", "User", "Connection"], results.Select(r => r.Projection));
        Assert.Contains("Post: rebuilt, ", output.ToString(), StringComparison.Ordinal);
        Assert.Contains(" events/s)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_command_rebuilds_by_name_and_refuses_an_unknown_one()
    {
        var owner = await api.Host.PersonAsync("Cole");
        await api.Host.CreateWorkspaceAsync(owner, "By command");
        var before = await DocumentsAsync();
        string[] database = ["--environment", "Testing", "--NEXUS_DB", api.ConnectionString];

        Assert.Equal(2, await ProjectionRebuild.RunCommandAsync(["--projection", "NoSuchProjection", .. database]));
        Assert.Equal(0, await ProjectionRebuild.RunCommandAsync(["--projection", "Workspace", "--projection", "MetricRows", .. database]));

        Assert.Equal(before["workspace"], (await DocumentsAsync())["workspace"]);
    }

    /// <summary>Each document table's rows as PostgreSQL stores them (id and JSON), in id order.</summary>
    private async Task<Dictionary<string, List<string>>> DocumentsAsync()
    {
        var rows = new Dictionary<string, List<string>>();
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        foreach (var document in Documents)
        {
            await using var command = new NpgsqlCommand($"select id::text || ' ' || data::text from {Persistence.SchemaName}.mt_doc_{document} order by id", connection);
            await using var reader = await command.ExecuteReaderAsync();
            var list = new List<string>();
            while (await reader.ReadAsync())
            {
                list.Add(reader.GetString(0));
            }

            rows[document] = list;
        }

        return rows;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
