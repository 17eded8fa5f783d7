using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Analytics.Syncing;
using Nexus.Api.Platforms.Sandbox;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;

namespace Nexus.Api.Tests.Features.Analytics.Sync;

/// <summary>
/// The metric sync under a controlled clock: the tests set "now", sweep, and read the tables. Every test starts from
/// the real time (publication stamps events with it) and jumps ahead from there.
/// </summary>
public sealed class MetricsSyncTests(SyncFixture fixture) : IClassFixture<SyncFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    public Task InitializeAsync()
    {
        fixture.Clock.Reset();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        fixture.Clock.Reset();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task a_published_sandbox_post_is_read_at_each_step_after_publication_and_then_no_more()
    {
        var host = fixture.Host;
        var (owner, workspace, connection) = await host.ConnectedWorkspaceAsync();
        var (_, row) = await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, "growing");
        Assert.Equal((0, row.PublishedAt + TimeSpan.FromHours(1)), (row.SyncStep, row.NextSyncAt));

        // Just before the first step: nothing is due.
        fixture.Clock.SetTo(row.PublishedAt + TimeSpan.FromMinutes(59));
        await host.SweepAllAsync();
        Assert.Empty(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId));

        for (var step = 0; step < SyncSchedule.Steps.Count; step++)
        {
            fixture.Clock.SetTo(row.PublishedAt + SyncSchedule.Steps[step] + Second);
            var read = await host.SweepAllAsync();
            Assert.Single(read, id => id == row.TargetId);
            var now = await SyncScenarios.RowAsync(fixture.ConnectionString, row.TargetId);
            Assert.Equal(step + 1, now.SyncStep);
            Assert.Equal(step + 1 < SyncSchedule.Steps.Count ? row.PublishedAt + SyncSchedule.Steps[step + 1] : null, now.NextSyncAt);
            Assert.Equal(step + 1, (await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId)).Count);
        }

        // After +30 d the schedule is over: a sweep months later reads nothing more.
        fixture.Clock.SetTo(row.PublishedAt + TimeSpan.FromDays(90));
        Assert.DoesNotContain(row.TargetId, await host.SweepAllAsync());
        var snapshots = await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId);
        Assert.Equal(SyncSchedule.Steps.Count, snapshots.Count);
        Assert.Equal(SyncSchedule.Steps.Select(s => row.PublishedAt + s + Second), snapshots.Select(s => s.MeasuredAt));

        // The sandbox's figures grow with the time since publication, and the latest is copied onto the row.
        Assert.True(snapshots.Zip(snapshots.Skip(1)).All(p => p.First.Impressions <= p.Second.Impressions), string.Join(", ", snapshots));
        Assert.True(snapshots[^1].Impressions > snapshots[0].Impressions);
        Assert.True(snapshots.All(s => s.Impressions >= s.Reach && s.Reach >= s.Likes));
        Assert.All(snapshots, s => Assert.Null(s.Views)); // not a video
        var final = await SyncScenarios.RowAsync(fixture.ConnectionString, row.TargetId);
        Assert.Equal((snapshots[^1].MeasuredAt, snapshots[^1].Impressions), (final.MeasuredAt!.Value, final.Impressions));
    }

    [Fact]
    public async Task a_late_sweep_reads_once_and_skips_the_steps_it_missed()
    {
        var host = fixture.Host;
        var (owner, workspace, connection) = await host.ConnectedWorkspaceAsync();
        var (_, row) = await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, "late");

        // The nodes were down from +50 min to +2 d: the +1 h, +6 h and +24 h readings are not replayed.
        fixture.Clock.SetTo(row.PublishedAt + TimeSpan.FromDays(2));
        await host.SweepAllAsync();
        var after = await SyncScenarios.RowAsync(fixture.ConnectionString, row.TargetId);
        Assert.Single(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId));
        Assert.Equal((3, row.PublishedAt + TimeSpan.FromDays(3)), (after.SyncStep, after.NextSyncAt));

        fixture.Clock.SetTo(row.PublishedAt + TimeSpan.FromDays(3) + Second);
        await host.SweepAllAsync();
        Assert.Equal(2, (await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId)).Count);
        Assert.Equal(row.PublishedAt + TimeSpan.FromDays(7), (await SyncScenarios.RowAsync(fixture.ConnectionString, row.TargetId)).NextSyncAt);
    }

    [Fact]
    public async Task a_rate_limit_makes_every_due_row_of_the_connection_wait_for_the_reset()
    {
        var host = fixture.Host;
        var (owner, workspace, connection) = await host.ConnectedWorkspaceAsync();
        var (_, limited) = await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, "hot [sandbox:metrics-rate-limit]");
        var (_, neighbour) = await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, "neighbour");

        var now = neighbour.PublishedAt + TimeSpan.FromHours(1) + Second;
        fixture.Clock.SetTo(now);
        await host.SweepAllAsync();

        // The sandbox's reset is 10 minutes: both rows wait for it (not the usual backoff), and no reading was stored.
        foreach (var target in new[] { limited, neighbour })
        {
            var row = await SyncScenarios.RowAsync(fixture.ConnectionString, target.TargetId);
            Assert.InRange(row.NextSyncAt!.Value, now + TimeSpan.FromMinutes(10), now + TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(30));
            Assert.Contains("Rate limited", row.LastSyncError);
            Assert.Empty(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, target.TargetId));
        }

        // Before the reset nothing of the connection is called again.
        fixture.Clock.SetTo(now + TimeSpan.FromMinutes(9));
        var read = await host.SweepAllAsync();
        Assert.DoesNotContain(limited.TargetId, read);
        Assert.DoesNotContain(neighbour.TargetId, read);
        Assert.Empty(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, neighbour.TargetId));
        await SyncScenarios.StopAsync(fixture.ConnectionString, limited.TargetId, neighbour.TargetId);
    }

    [Fact]
    public async Task two_nodes_sweeping_together_never_read_the_same_row_in_a_step()
    {
        var host = fixture.Host;
        var first = await host.ConnectedWorkspaceAsync();
        var second = await host.ConnectedWorkspaceAsync();
        var targets = new List<TargetRow>();
        for (var i = 0; i < 3; i++)
        {
            foreach (var (owner, workspace, connection) in new[] { first, second })
            {
                targets.Add((await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, $"two nodes {i}")).Row);
            }
        }

        var node = await fixture.StartAnotherHostAsync();
        try
        {
            // Same database, same clock; each node sweeps (3 rows a claim) until it finds nothing due, both at once.
            fixture.Clock.SetTo(targets.Max(t => t.PublishedAt) + TimeSpan.FromHours(1) + Second);
            var reads = await Task.WhenAll(host.SweepAllAsync(), node.SweepAllAsync());
            var mine = targets.Select(t => t.TargetId).ToHashSet();
            Assert.Equal(mine.Order(), reads.SelectMany(r => r).Where(mine.Contains).Order());
            Assert.Empty(reads[0].Intersect(reads[1]));
        }
        finally
        {
            await node.DisposeAsync();
        }

        foreach (var target in targets)
        {
            Assert.Single(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, target.TargetId));
        }
    }

    [Fact]
    public async Task a_metrics_failure_backs_off_and_leaves_the_post_published_and_untouched()
    {
        var host = fixture.Host;
        var (owner, workspace, connection) = await host.ConnectedWorkspaceAsync();
        var (postId, row) = await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, "flaky [sandbox:metrics-unavailable]");
        var before = await host.PostAsync(owner, postId);

        var now = row.PublishedAt + TimeSpan.FromHours(1) + Second;
        fixture.Clock.SetTo(now);
        await host.SweepAllAsync();
        var failed = await SyncScenarios.RowAsync(fixture.ConnectionString, row.TargetId);
        Assert.Equal(1, failed.SyncFailures);
        Assert.Contains("unavailable", failed.LastSyncError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(now + TimeSpan.FromMinutes(5), failed.NextSyncAt); // the first backoff
        Assert.Equal(0, failed.SyncStep);
        // No fake zero reading: a failure stores nothing.
        Assert.Empty(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId));

        // The second failure waits twice as long.
        fixture.Clock.SetTo(now + TimeSpan.FromMinutes(5) + Second);
        await host.SweepAllAsync();
        var again = await SyncScenarios.RowAsync(fixture.ConnectionString, row.TargetId);
        Assert.Equal((2, now + TimeSpan.FromMinutes(15) + Second), (again.SyncFailures, again.NextSyncAt));

        fixture.Clock.Reset();
        var after = await host.PostAsync(owner, postId);
        Assert.Equal("PUBLISHED", after.GetProperty("status").GetString());
        Assert.Equal(before.GetProperty("version").GetInt32(), after.GetProperty("version").GetInt32());
        Assert.Equal(before.GetProperty("targets").ToString(), after.GetProperty("targets").ToString());
        await SyncScenarios.StopAsync(fixture.ConnectionString, row.TargetId);
    }

    [Fact]
    public async Task a_post_the_platform_no_longer_returns_stops_syncing_and_keeps_its_readings()
    {
        var host = fixture.Host;
        var (owner, workspace, connection) = await host.ConnectedWorkspaceAsync();
        var (_, row) = await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, "to be deleted");
        fixture.Clock.SetTo(row.PublishedAt + TimeSpan.FromHours(1) + Second);
        await host.SweepAllAsync();

        // Someone deletes the post on the platform.
        await using (var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Delete<SandboxPost>(row.ExternalId);
            await session.SaveChangesAsync();
        }

        fixture.Clock.SetTo(row.PublishedAt + TimeSpan.FromHours(6) + Second);
        await host.SweepAllAsync();
        var stopped = await SyncScenarios.RowAsync(fixture.ConnectionString, row.TargetId);
        Assert.Null(stopped.NextSyncAt);
        Assert.Contains("no longer returns", stopped.LastSyncError);
        Assert.Single(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId));
    }

    [Fact]
    public async Task a_disconnected_account_stops_its_targets_syncing()
    {
        var host = fixture.Host;
        var (owner, workspace, connection) = await host.ConnectedWorkspaceAsync();
        var (_, row) = await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, "then disconnected");
        var payload = await host.MutateAsync(owner, "disconnectAccount", "DisconnectAccountInput", new { connectionId = connection }, "connection { status }");
        Assert.Equal("DISCONNECTED", payload.GetProperty("connection").GetProperty("status").GetString());

        await Infrastructure.Eventually.TrueAsync(async () => (await SyncScenarios.RowAsync(fixture.ConnectionString, row.TargetId)).NextSyncAt is null,
            "the disconnected account's target kept its schedule", TimeSpan.FromSeconds(30));
        fixture.Clock.SetTo(row.PublishedAt + TimeSpan.FromHours(1) + Second);
        Assert.DoesNotContain(row.TargetId, await host.SweepAllAsync());
    }

    [Fact]
    public async Task a_connections_audience_is_read_at_once_then_every_six_hours_and_stops_when_it_is_disconnected()
    {
        var host = fixture.Host;
        var (owner, _, connection) = await host.ConnectedWorkspaceAsync();
        Assert.True(Nexus.Api.GraphQL.Relay.GlobalId.TryParse(connection, "Connection", out var connectionId));
        DateTimeOffset? due = null;
        await Infrastructure.Eventually.TrueAsync(async () => (due = (await SyncScenarios.AudienceAsync(fixture.ConnectionString, connectionId))?.NextSyncAt) is not null,
            "the connection got no audience row", TimeSpan.FromSeconds(30));

        var first = due!.Value + Second;
        fixture.Clock.SetTo(first);
        await host.SweepAllAsync();
        var audience = (await SyncScenarios.AudienceAsync(fixture.ConnectionString, connectionId))!.Value;
        var reading = Assert.Single(audience.Readings);
        Assert.True(reading.Followers > 0);
        Assert.NotNull(reading.Following); // a person's account (a page's would be null)
        Assert.Equal(0, reading.Posts);
        Assert.Equal(first + TimeSpan.FromHours(6), audience.NextSyncAt);

        fixture.Clock.SetTo(first + TimeSpan.FromHours(6) - TimeSpan.FromMinutes(1));
        await host.SweepAllAsync();
        Assert.Single((await SyncScenarios.AudienceAsync(fixture.ConnectionString, connectionId))!.Value.Readings);

        // Three days later (the nodes were down meanwhile): one reading, and the account has gained followers.
        fixture.Clock.SetTo(first + TimeSpan.FromDays(3));
        await host.SweepAllAsync();
        var later = (await SyncScenarios.AudienceAsync(fixture.ConnectionString, connectionId))!.Value;
        Assert.Equal(2, later.Readings.Count);
        Assert.True(later.Readings[1].Followers >= reading.Followers + 3, $"{reading.Followers} then {later.Readings[1].Followers}");

        fixture.Clock.Reset();
        await host.MutateAsync(owner, "disconnectAccount", "DisconnectAccountInput", new { connectionId = connection }, "connection { status }");
        await Infrastructure.Eventually.TrueAsync(async () => (await SyncScenarios.AudienceAsync(fixture.ConnectionString, connectionId))!.Value.NextSyncAt is null,
            "the disconnected account's audience kept its schedule", TimeSpan.FromSeconds(30));
        fixture.Clock.SetTo(first + TimeSpan.FromDays(10));
        await host.SweepAllAsync();
        Assert.Equal(2, (await SyncScenarios.AudienceAsync(fixture.ConnectionString, connectionId))!.Value.Readings.Count);
    }
}
