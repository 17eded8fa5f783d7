using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;
using Weasel.Core;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>The catalogue's listing indexes exist with the expressions the listings query with, and Marten sees nothing to change.</summary>
[Collection(ApiCollection.Name)]
public sealed class ProductIndexTests(ApiFixture api)
{
    [Fact]
    public async Task the_listing_and_the_status_listing_have_their_indexes()
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select indexname, indexdef from pg_indexes where schemaname = 'nexus' and tablename = 'mt_doc_product'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var indexes = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            indexes[reader.GetString(0)] = reader.GetString(1);
        }

        Assert.True(indexes.TryGetValue(StorefrontMarten.ListingIndex, out var listing), string.Join('\n', indexes.Values));
        Assert.Matches(@"USING btree \(.*'WorkspaceId'.*mt_immutable_timestamptz\(.*'CreatedAt'.*, id\)", listing);
        Assert.True(indexes.TryGetValue(StorefrontMarten.ListingByStatusIndex, out var byStatus));
        Assert.Matches(@"USING btree \(.*'WorkspaceId'.*'Status'.*mt_immutable_timestamptz\(.*'CreatedAt'.*, id\)", byStatus);
    }

    [Fact]
    public async Task marten_finds_the_product_table_as_it_configured_it()
    {
        var store = (DocumentStore)api.Host.Services.GetRequiredService<IDocumentStore>();
        var migration = await store.Storage.Database.CreateMigrationAsync(store.Options.Storage.FindFeature(typeof(Product)));

        Assert.Equal(SchemaPatchDifference.None, migration.Difference);
    }
}
