using Nexus.Api.GraphQL.Relay;
using Npgsql;

namespace Nexus.Api.Tests.Features.Analytics.Reading;

/// <summary>Latest figures of one published target, as the metrics sync would leave them (null: the platform does not give it).</summary>
public sealed record Reading(
    long? Impressions = null, long? Reach = null, long? Views = null, long? Likes = null, long? Comments = null, long? Shares = null, long? Saves = null,
    long? Clicks = null, long? VideoViews = null, double? WatchTimeSeconds = null, double? AverageViewSeconds = null);

/// <summary>
/// Rows of the analytics tables written with SQL into exactly the columns the metrics sync fills, as upserts (publishing
/// a post may create its target's row first once the sync is in place). Workspaces, posts and connections come from the API.
/// </summary>
public static class AnalyticsSeed
{
    public static Guid Raw(string globalId) => GlobalId.TryParse(globalId, out var parsed) ? parsed.Id : throw new ArgumentException($"not a global id: {globalId}");

    /// <summary>Upserts target <paramref name="target"/> (new when null), published at <paramref name="publishedAt"/>; <paramref name="reading"/> null: not measured yet.</summary>
    public static async Task<Guid> TargetAsync(string connectionString, Guid workspace, Guid post, Guid connection, string platform, DateTimeOffset publishedAt,
        Reading? reading, Guid? target = null)
    {
        var id = target ?? Guid.NewGuid();
        var r = reading ?? new Reading();
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("""
            insert into nexus.target_metrics (target_id, workspace_id, post_id, connection_id, platform, external_id, published_at, measured_at,
              impressions, reach, views, likes, comments, shares, saves, clicks, video_views, watch_time_seconds, average_view_seconds)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
            on conflict (target_id) do update set workspace_id = excluded.workspace_id, post_id = excluded.post_id, connection_id = excluded.connection_id,
              platform = excluded.platform, published_at = excluded.published_at, measured_at = excluded.measured_at, impressions = excluded.impressions,
              reach = excluded.reach, views = excluded.views, likes = excluded.likes, comments = excluded.comments, shares = excluded.shares, saves = excluded.saves,
              clicks = excluded.clicks, video_views = excluded.video_views, watch_time_seconds = excluded.watch_time_seconds, average_view_seconds = excluded.average_view_seconds
            """, db);
        object V(object? value) => value ?? DBNull.Value;
        foreach (var value in new object?[]
                 {
                     id, workspace, post, connection, platform, "ext-" + id.ToString("N")[..8], publishedAt.UtcDateTime, reading is null ? null : publishedAt.UtcDateTime.AddHours(1),
                 })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = V(value) });
        }

        foreach (var value in new object?[] { r.Impressions, r.Reach, r.Views, r.Likes, r.Comments, r.Shares, r.Saves, r.Clicks, r.VideoViews })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = V(value), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        }

        command.Parameters.Add(new NpgsqlParameter { Value = V(r.WatchTimeSeconds), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Double });
        command.Parameters.Add(new NpgsqlParameter { Value = V(r.AverageViewSeconds), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Double });
        await command.ExecuteNonQueryAsync();
        return id;
    }

    public static async Task AudienceAsync(string connectionString, Guid workspace, Guid connection, DateTimeOffset measuredAt, long? followers, long? following = null, long? posts = null, bool latest = false)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        var sql = latest
            ? """
              insert into nexus.connection_audience (connection_id, workspace_id, platform, measured_at, followers, following, posts) values ($1, $2, 'Sandbox', $3, $4, $5, $6)
              on conflict (connection_id) do update set measured_at = excluded.measured_at, followers = excluded.followers, following = excluded.following, posts = excluded.posts
              """
            : """
              insert into nexus.audience_snapshots (connection_id, workspace_id, measured_at, followers, following, posts) values ($1, $2, $3, $4, $5, $6)
              on conflict (connection_id, measured_at) do update set followers = excluded.followers, following = excluded.following, posts = excluded.posts
              """;
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.Add(new NpgsqlParameter { Value = connection });
        command.Parameters.Add(new NpgsqlParameter { Value = workspace });
        command.Parameters.Add(new NpgsqlParameter { Value = measuredAt.UtcDateTime });
        foreach (var value in new[] { followers, following, posts })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        }

        await command.ExecuteNonQueryAsync();
    }
}
