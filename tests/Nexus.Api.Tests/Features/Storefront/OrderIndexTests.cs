using Marten;
using Marten.Linq;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Storefront.Listing;
using Nexus.Api.Features.Storefront.Sales;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;
using NpgsqlTypes;
using Weasel.Core;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>
/// The sellers' order listings read pages in index order and the sales statements read their range from the sales
/// index: proved by PostgreSQL's plans. Sequential and bitmap scans and sorts are discouraged, as a big table would
/// make them costly (the test's table is nearly empty): a plan that still sorts could not walk an index in order.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OrderIndexTests(ApiFixture api)
{
    [Fact]
    public async Task the_order_indexes_exist_as_marten_configures_them()
    {
        var indexes = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var connection = new NpgsqlConnection(api.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select indexname, indexdef from pg_indexes where schemaname = 'nexus' and tablename = 'mt_doc_order'", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                indexes[reader.GetString(0)] = reader.GetString(1);
            }
        }

        Assert.True(indexes.TryGetValue(OrderMarten.ListingByStatusIndex, out var byStatus), string.Join('\n', indexes.Values));
        Assert.Matches(@"USING btree \(.*'WorkspaceId'.*'Status'.*mt_immutable_timestamptz\(.*'CreatedAt'.*, id\)", byStatus);
        Assert.True(indexes.TryGetValue(OrderMarten.SalesIndex, out var sales));
        Assert.Matches(@"USING btree \(.*'WorkspaceId'.*, paid_at\) WHERE \(paid_at IS NOT NULL\)", sales);

        var store = (DocumentStore)api.Host.Services.GetRequiredService<IDocumentStore>();
        var migration = await store.Storage.Database.CreateMigrationAsync(store.Options.Storage.FindFeature(typeof(Order)));
        Assert.Equal(SchemaPatchDifference.None, migration.Difference);
    }

    [Theory]
    [InlineData(null, null, OrderMarten.ListingIndex)]
    [InlineData(OrderStatus.Paid, null, OrderMarten.ListingByStatusIndex)]
    [InlineData(null, "0190c0de-0000-7000-8000-000000000001", OrderMarten.ListingIndex)]
    public async Task a_page_of_orders_is_read_in_index_order(OrderStatus? status, string? productId, string index)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var query = OrderListing.Filtered(session, Guid.CreateVersion7(), status, productId is null ? null : Guid.Parse(productId));

        foreach (var after in new (long, Guid)?[] { null, (DateTimeOffset.UtcNow.UtcTicks, Guid.CreateVersion7()) })
        {
            var command = OrderListing.Page(query, after, 21).ToCommand(FetchType.FetchMany);
            var plan = await ExplainAsync(command.CommandText, command.Parameters.Select(p => p.Clone()));

            Assert.Contains(index, plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task the_sales_statements_read_the_range_from_the_sales_index()
    {
        foreach (var (sql, product) in new[] { (SalesReport.RowsSql, (Guid?)null), (SalesReport.TotalsSql, null), (SalesReport.RowsSql, Guid.CreateVersion7()) })
        {
            var plan = await ExplainAsync(sql,
            [
                new NpgsqlParameter("workspace", Guid.CreateVersion7()),
                new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) },
                new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc) },
                new NpgsqlParameter("product", NpgsqlDbType.Uuid) { Value = product is { } id ? id : DBNull.Value },
                new NpgsqlParameter("unit", "month"),
                new NpgsqlParameter("zone", "Europe/Berlin"),
            ]);

            Assert.Contains(OrderMarten.SalesIndex, plan, StringComparison.Ordinal);
        }
    }

    private async Task<string> ExplainAsync(string sql, IEnumerable<NpgsqlParameter> parameters)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using (var off = new NpgsqlCommand("set enable_seqscan = off; set enable_bitmapscan = off; set enable_sort = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand("explain " + sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
