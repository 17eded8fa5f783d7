using Marten;
using Marten.Linq;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Library;
using Nexus.Api.Platforms;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;
using Weasel.Core;
using Xunit.Abstractions;

namespace Nexus.Api.Tests.Features.Media.Library;

/// <summary>
/// <c>Workspace.media</c>'s indexes are part of Marten's mapping: they exist in the database with the expressions the
/// listing queries with, and Marten sees nothing to change (an index it could not read back would be dropped and made
/// again at every start). Not a timing test: README's media section holds the EXPLAIN plans on a few thousand items.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MediaLibraryIndexTests(ApiFixture api, ITestOutputHelper output)
{
    private async Task<Dictionary<string, string>> IndexesAsync()
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select indexname, indexdef from pg_indexes where schemaname = 'nexus' and tablename = 'mt_doc_mediaasset'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var indexes = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            indexes[reader.GetString(0)] = reader.GetString(1);
        }

        return indexes;
    }

    [Fact]
    public async Task the_listing_order_the_kind_and_the_tags_filter_have_their_indexes()
    {
        var indexes = await IndexesAsync();

        output.WriteLine(string.Join('\n', indexes.Values));

        Assert.True(indexes.TryGetValue(MediaMarten.LibraryIndex, out var library));
        // (workspace, created, id) in that order, live items only: a page reads the index in order and stops.
        Assert.Matches(@"USING btree \(.*'WorkspaceId'.*mt_immutable_timestamptz\(.*'CreatedAt'.*, id\) WHERE .*'Deleted'.*boolean.* = false", library);

        Assert.True(indexes.TryGetValue(MediaMarten.LibraryByKindIndex, out var byKind));
        Assert.Matches(@"USING btree \(.*'WorkspaceId'.*'Facts'.*'Kind'.*integer.*mt_immutable_timestamptz\(.*'CreatedAt'.*, id\) WHERE .*'Deleted'.*boolean.* = false", byKind);

        Assert.True(indexes.TryGetValue(MediaMarten.TagsIndex, out var tags));
        Assert.Matches(@"USING gin \(.*'Tags'.*jsonb", tags);
    }

    [Fact]
    public async Task marten_finds_the_media_table_as_it_configured_it()
    {
        var store = (DocumentStore)api.Host.Services.GetRequiredService<IDocumentStore>();
        var feature = store.Options.Storage.FindFeature(typeof(MediaAsset));

        var migration = await store.Storage.Database.CreateMigrationAsync(feature);

        Assert.Equal(SchemaPatchDifference.None, migration.Difference);
    }

    [Fact]
    public async Task pages_read_the_library_index_in_its_order_without_sorting()
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var workspace = Guid.NewGuid();
        var none = new MediaLibrary.Filter(null, null, null, null, null);
        var videos = none with { Kind = MediaKind.Video };
        var later = (DateTimeOffset.UtcNow.UtcTicks, Guid.NewGuid());
        var pages = new (string Name, IQueryable<MediaAsset> Query, string Index)[]
        {
            ("first page", MediaLibrary.Page(MediaLibrary.Listing(session, workspace, none), null, 21), MediaMarten.LibraryIndex),
            ("later page", MediaLibrary.Page(MediaLibrary.Listing(session, workspace, none), later, 21), MediaMarten.LibraryIndex),
            ("kind", MediaLibrary.Page(MediaLibrary.Listing(session, workspace, videos), null, 21), MediaMarten.LibraryByKindIndex),
            ("kind, later page", MediaLibrary.Page(MediaLibrary.Listing(session, workspace, videos), later, 21), MediaMarten.LibraryByKindIndex),
        };

        foreach (var (name, query, index) in pages)
        {
            // Whatever the table holds, a plan that scans the table or sorts costs more than any that reads an index
            // in order with these off: the library index is chosen exactly when its expressions match the query's.
            var plan = await ExplainAsync(query, "set local enable_seqscan = off; set local enable_sort = off; set local enable_bitmapscan = off");
            output.WriteLine($"{name}:\n{plan}");
            Assert.Contains($"Index Scan Backward using {index} ", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Filter", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
        }
    }

    /// <summary>EXPLAIN (costs off) of the SQL Marten makes for <paramref name="query"/>, with its parameters, after <paramref name="settings"/>.</summary>
    private async Task<string> ExplainAsync(IQueryable<MediaAsset> query, string settings)
    {
        var command = query.ToCommand(FetchType.FetchMany);
        output.WriteLine(command.CommandText);
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand(settings, connection, transaction))
        {
            await set.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("explain (costs off) " + command.CommandText, connection, transaction);
        foreach (NpgsqlParameter parameter in command.Parameters)
        {
            explain.Parameters.Add(parameter.Clone());
        }

        var lines = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        return string.Join('\n', lines);
    }
}
