using Marten;
using Nexus.Api.Infrastructure;
using Weasel.Postgresql.Tables;

namespace Nexus.Api.Features.Analytics;

/// <summary>
/// Where analytics live: plain tables with a typed column per figure, because the dashboard sums and buckets
/// hundreds of thousands of rows and JSON documents would make every figure a cast. Snapshots are append-only (a
/// reading is never overwritten); the latest reading of each published target and connection is kept beside its sync
/// schedule, so the dashboard reads one row per post instead of picking the newest of many.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>nexus.target_metrics</c>: one row per published target (workspace, post, connection, platform, external
/// id, published at), its sync schedule (<c>sync_step</c> of the +1 h … +30 d steps done, <c>next_sync_at</c>, null
/// once it stops) and its latest figures (<c>measured_at</c> null until the first reading).</item>
/// <item><c>nexus.metric_snapshots</c>: every reading of a target, keyed by (target, measured at).</item>
/// <item><c>nexus.connection_audience</c>: one row per connection with its audience sync schedule and latest figures.</item>
/// <item><c>nexus.audience_snapshots</c>: every audience reading, keyed by (connection, measured at).</item>
/// </list>
/// A figure the platform does not give is NULL, never 0.
/// </remarks>
public static class AnalyticsTables
{
    public const string TargetMetrics = Persistence.SchemaName + ".target_metrics";
    public const string MetricSnapshots = Persistence.SchemaName + ".metric_snapshots";
    public const string ConnectionAudience = Persistence.SchemaName + ".connection_audience";
    public const string AudienceSnapshots = Persistence.SchemaName + ".audience_snapshots";

    /// <summary>The figure columns, in the order of <see cref="Nexus.Api.Platforms.PostMetricsReading"/>'s parameters.</summary>
    public static readonly IReadOnlyList<(string Column, string Type)> MetricColumns =
    [
        ("impressions", "bigint"),
        ("reach", "bigint"),
        ("views", "bigint"),
        ("likes", "bigint"),
        ("comments", "bigint"),
        ("shares", "bigint"),
        ("saves", "bigint"),
        ("clicks", "bigint"),
        ("video_views", "bigint"),
        ("watch_time_seconds", "double precision"),
        ("average_view_seconds", "double precision"),
    ];

    public static readonly IReadOnlyList<(string Column, string Type)> AudienceColumns =
    [
        ("followers", "bigint"),
        ("following", "bigint"),
        ("posts", "bigint"),
    ];
}

/// <summary>Creates and migrates the analytics tables with the rest of the schema at start-up.</summary>
public sealed class AnalyticsMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        var targets = new Table(AnalyticsTables.TargetMetrics);
        targets.AddColumn<Guid>("target_id").AsPrimaryKey();
        targets.AddColumn<Guid>("workspace_id").NotNull();
        targets.AddColumn<Guid>("post_id").NotNull();
        targets.AddColumn<Guid>("connection_id").NotNull();
        targets.AddColumn<string>("platform").NotNull();
        targets.AddColumn<string>("external_id").NotNull();
        targets.AddColumn("published_at", "timestamp with time zone").NotNull();
        targets.AddColumn<int>("sync_step").NotNull().DefaultValue(0);
        targets.AddColumn("next_sync_at", "timestamp with time zone");
        targets.AddColumn<int>("sync_failures").NotNull().DefaultValue(0);
        targets.AddColumn("last_sync_error", "text");
        targets.AddColumn("measured_at", "timestamp with time zone");
        AddFigures(targets, AnalyticsTables.MetricColumns);
        targets.Indexes.Add(new IndexDefinition("ix_target_metrics_workspace_published") { Columns = ["workspace_id", "published_at"] });
        targets.Indexes.Add(new IndexDefinition("ix_target_metrics_connection") { Columns = ["connection_id"] });
        targets.Indexes.Add(new IndexDefinition("ix_target_metrics_due") { Columns = ["next_sync_at"], Predicate = "next_sync_at is not null" });
        options.Storage.ExtendedSchemaObjects.Add(targets);

        var snapshots = new Table(AnalyticsTables.MetricSnapshots);
        snapshots.AddColumn<Guid>("target_id").AsPrimaryKey();
        snapshots.AddColumn("measured_at", "timestamp with time zone").AsPrimaryKey();
        snapshots.AddColumn<Guid>("workspace_id").NotNull();
        AddFigures(snapshots, AnalyticsTables.MetricColumns);
        options.Storage.ExtendedSchemaObjects.Add(snapshots);

        var audience = new Table(AnalyticsTables.ConnectionAudience);
        audience.AddColumn<Guid>("connection_id").AsPrimaryKey();
        audience.AddColumn<Guid>("workspace_id").NotNull();
        audience.AddColumn<string>("platform").NotNull();
        audience.AddColumn("next_sync_at", "timestamp with time zone");
        audience.AddColumn<int>("sync_failures").NotNull().DefaultValue(0);
        audience.AddColumn("last_sync_error", "text");
        audience.AddColumn("measured_at", "timestamp with time zone");
        AddFigures(audience, AnalyticsTables.AudienceColumns);
        audience.Indexes.Add(new IndexDefinition("ix_connection_audience_workspace") { Columns = ["workspace_id"] });
        audience.Indexes.Add(new IndexDefinition("ix_connection_audience_due") { Columns = ["next_sync_at"], Predicate = "next_sync_at is not null" });
        options.Storage.ExtendedSchemaObjects.Add(audience);

        var audienceSnapshots = new Table(AnalyticsTables.AudienceSnapshots);
        audienceSnapshots.AddColumn<Guid>("connection_id").AsPrimaryKey();
        audienceSnapshots.AddColumn("measured_at", "timestamp with time zone").AsPrimaryKey();
        audienceSnapshots.AddColumn<Guid>("workspace_id").NotNull();
        AddFigures(audienceSnapshots, AnalyticsTables.AudienceColumns);
        options.Storage.ExtendedSchemaObjects.Add(audienceSnapshots);
    }

    private static void AddFigures(Table table, IReadOnlyList<(string Column, string Type)> columns)
    {
        foreach (var (column, type) in columns)
        {
            table.AddColumn(column, type);
        }
    }
}
