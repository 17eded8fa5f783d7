using System.Text.Json.Nodes;
using Nexus.Api.Features.Analytics;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Workspaces;
using Npgsql;

namespace Nexus.Api.Features.Hooks.Producing;

/// <summary>
/// <c>metrics.updated</c>: the metrics sync stores readings in tables, not events, so it queues these deliveries itself,
/// in the transaction that stores the readings (one message per post and reading).
/// </summary>
public static class HookMetrics
{
    public static IEnumerable<NpgsqlBatchCommand> Deliveries(IEnumerable<(Guid WorkspaceId, Guid PostId, Guid TargetId, object?[] Figures)> readings, DateTimeOffset measuredAt)
    {
        foreach (var post in readings.GroupBy(r => (r.WorkspaceId, r.PostId)))
        {
            var targets = new JsonArray();
            foreach (var (_, _, targetId, figures) in post)
            {
                var target = new JsonObject { ["targetId"] = HookEvents.Id(PostTargetType.TypeName, targetId) };
                for (var i = 0; i < AnalyticsTables.MetricColumns.Count; i++)
                {
                    target[Camel(AnalyticsTables.MetricColumns[i].Column)] = figures[i] switch
                    {
                        long value => value,
                        double value => value,
                        _ => null,
                    };
                }

                targets.Add(target);
            }

            var data = new JsonObject
            {
                ["workspaceId"] = HookEvents.Id(WorkspaceType.TypeName, post.Key.WorkspaceId),
                ["postId"] = HookEvents.Id(PostType.TypeName, post.Key.PostId),
                ["measuredAt"] = HookEventTypes.Time(measuredAt),
                ["targets"] = targets,
            };
            yield return HookOutbox.Command(post.Key.WorkspaceId, Guid.CreateVersion7(), HookEventTypes.MetricsUpdated, measuredAt, data, measuredAt);
        }
    }

    private static string Camel(string column) =>
        string.Concat(column.Split('_').Select((part, i) => i == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));
}
