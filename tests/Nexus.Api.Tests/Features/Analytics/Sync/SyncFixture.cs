using Alba;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Analytics;
using Nexus.Api.Features.Analytics.Syncing;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;

namespace Nexus.Api.Tests.Features.Analytics.Sync;

/// <summary>
/// A clock the test sets: the real time until <see cref="SetTo"/> stops it at a chosen instant (so figures and
/// schedules can be asserted exactly), and again after <see cref="Reset"/>. Timers still run on real time, and
/// handlers stamp events with the real time, which is why every test starts from a reset clock.
/// </summary>
public sealed class ControlledClock : TimeProvider
{
    private long _fixedTicks;

    public override DateTimeOffset GetUtcNow() => Interlocked.Read(ref _fixedTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : base.GetUtcNow();

    /// <summary>Makes "now" <paramref name="instant"/> until the next call.</summary>
    public void SetTo(DateTimeOffset instant) => Interlocked.Exchange(ref _fixedTicks, instant.UtcTicks);

    public void Reset() => Interlocked.Exchange(ref _fixedTicks, 0);
}

/// <summary>
/// The API with a controlled clock (shared by every node the fixture starts), tokens that outlive the months the
/// tests jump over, and no background sweep: the tests sweep themselves, so nothing reads a row behind their back.
/// Small claims (<c>SweepBatch</c> 3) make several sweeps share the due rows, as nodes do.
/// </summary>
public sealed class SyncFixture : ApiFixture
{
    public ControlledClock Clock { get; } = new();

    protected override string Purpose => "sync";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Platforms:Sandbox:AccessTokenLifetime"] = "400.00:00:00",
        ["Nexus:Platforms:Sandbox:RateLimitReset"] = "00:10:00",
        ["Nexus:Analytics:SweepInterval"] = "1.00:00:00",
        ["Nexus:Analytics:SweepBatch"] = "3",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>A target's sync row and snapshots, read straight from the tables.</summary>
public sealed record TargetRow(Guid TargetId, Guid PostId, Guid ConnectionId, string Platform, string ExternalId, DateTimeOffset PublishedAt, int SyncStep,
    DateTimeOffset? NextSyncAt, int SyncFailures, string? LastSyncError, DateTimeOffset? MeasuredAt, long? Impressions);

public sealed record Snapshot(DateTimeOffset MeasuredAt, long? Impressions, long? Reach, long? Likes, long? Views);

public static class SyncScenarios
{
    /// <summary>Sweeps until a sweep claims nothing (claims are small), answering every target read.</summary>
    public static async Task<List<Guid>> SweepAllAsync(this IAlbaHost host)
    {
        var sync = host.Services.GetRequiredService<MetricsSync>();
        var read = new List<Guid>();
        for (var sweeps = 0; sweeps < 1000; sweeps++)
        {
            var result = await sync.SweepOnceAsync(CancellationToken.None);
            read.AddRange(result.TargetsRead);
            if (result.Claimed == 0)
            {
                return read;
            }
        }

        throw new InvalidOperationException("The sweeps never ran out of due rows.");
    }

    /// <summary>A workspace with a sandbox connection: its owner, workspace id and connection id (global ids).</summary>
    public static async Task<(Person Owner, string Workspace, string Connection)> ConnectedWorkspaceAsync(this IAlbaHost host)
    {
        var owner = await host.PersonAsync("Owner");
        var workspace = await host.CreateWorkspaceAsync(owner);
        return (owner, workspace, await host.ConnectSandboxAsync(owner, workspace));
    }

    /// <summary>Publishes a post on the connection now and waits for its target's sync row.</summary>
    public static async Task<(string PostId, TargetRow Row)> PublishedAsync(this IAlbaHost host, string connectionString, Person owner, string workspace, string connection, string text, params object[] media)
    {
        var payload = await host.MutateAsync(owner, "draftPost", "DraftPostInput",
            new { workspaceId = workspace, text, media, targets = new[] { new { connectionId = connection } } }, PostScenarios.PostSelection);
        Assert.True(payload.GetProperty("errors").GetArrayLength() == 0, payload.ToString());
        var postId = payload.GetProperty("post").GetProperty("id").GetString()!;

        await host.PostMutationAsync(owner, "publishPostNow", new { postId });
        await host.WaitForStatusAsync(owner, postId, TimeSpan.FromSeconds(20), "PUBLISHED");
        Assert.True(GlobalId.TryParse(postId, "Post", out var id));
        TargetRow? row = null;
        // The row is made by an asynchronous projection, a moment after publication.
        await Eventually.TrueAsync(async () => (row = (await RowsAsync(connectionString, id)).SingleOrDefault()) is not null,
            "the published target got no sync row", TimeSpan.FromSeconds(30));
        return (postId, row!);
    }

    public static async Task<List<TargetRow>> RowsAsync(string connectionString, Guid postId)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select target_id, post_id, connection_id, platform, external_id, published_at, sync_step, next_sync_at, sync_failures, last_sync_error, measured_at, impressions " +
            $"from {AnalyticsTables.TargetMetrics} where post_id = $1", db);
        command.Parameters.Add(new NpgsqlParameter { Value = postId });
        var rows = new List<TargetRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10), reader.IsDBNull(11) ? null : reader.GetInt64(11)));
        }

        return rows;
    }

    public static async Task<TargetRow> RowAsync(string connectionString, Guid targetId)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand($"select post_id from {AnalyticsTables.TargetMetrics} where target_id = $1", db);
        command.Parameters.Add(new NpgsqlParameter { Value = targetId });
        var postId = (Guid)(await command.ExecuteScalarAsync())!;
        return (await RowsAsync(connectionString, postId)).Single(r => r.TargetId == targetId);
    }

    public static async Task<List<Snapshot>> SnapshotsAsync(string connectionString, Guid targetId)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select measured_at, impressions, reach, likes, views from {AnalyticsTables.MetricSnapshots} where target_id = $1 order by measured_at", db);
        command.Parameters.Add(new NpgsqlParameter { Value = targetId });
        var snapshots = new List<Snapshot>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            snapshots.Add(new(reader.GetFieldValue<DateTimeOffset>(0), Long(reader, 1), Long(reader, 2), Long(reader, 3), Long(reader, 4)));
        }

        return snapshots;
    }

    /// <summary>A connection's audience row: when it is read next, and every reading (followers, following, posts) oldest first.</summary>
    public static async Task<(DateTimeOffset? NextSyncAt, List<(DateTimeOffset At, long? Followers, long? Following, long? Posts)> Readings)?> AudienceAsync(
        string connectionString, Guid connectionId)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var row = new NpgsqlCommand($"select next_sync_at from {AnalyticsTables.ConnectionAudience} where connection_id = $1", db);
        row.Parameters.Add(new NpgsqlParameter { Value = connectionId });
        var next = await row.ExecuteScalarAsync();
        if (next is null)
        {
            return null;
        }

        await using var command = new NpgsqlCommand(
            $"select measured_at, followers, following, posts from {AnalyticsTables.AudienceSnapshots} where connection_id = $1 order by measured_at", db);
        command.Parameters.Add(new NpgsqlParameter { Value = connectionId });
        var readings = new List<(DateTimeOffset, long?, long?, long?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            readings.Add((reader.GetFieldValue<DateTimeOffset>(0), Long(reader, 1), Long(reader, 2), Long(reader, 3)));
        }

        return (next is DBNull ? null : new DateTimeOffset(DateTime.SpecifyKind((DateTime)next, DateTimeKind.Utc)), readings);
    }

    /// <summary>
    /// Ends rows a test left failing on purpose, so that the next tests' sweeps (which read every due row) do not keep
    /// calling the sandbox for them.
    /// </summary>
    public static async Task StopAsync(string connectionString, params Guid[] targetIds)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand($"update {AnalyticsTables.TargetMetrics} set next_sync_at = null where target_id = any($1)", db);
        command.Parameters.Add(new NpgsqlParameter { Value = targetIds });
        await command.ExecuteNonQueryAsync();
    }

    private static long? Long(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt64(column);
}
