using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using Npgsql;

namespace Nexus.Api.Features.Hooks.Producing;

/// <summary>
/// Turns one event into one delivery row per enabled endpoint of the workspace subscribed to its type, in the caller's
/// transaction (the async projection's, the metrics sync's). The rows are keyed by (endpoint, event id, type), so an
/// event seen twice (a replayed range, a rebuilt projection) adds nothing; an endpoint only receives events that
/// happened after it was made, so a rebuild never sends old history to a new endpoint.
/// </summary>
public static class HookOutbox
{
    /// <summary>
    /// The <c>webhook-id</c> of a message: stable for the event and type, so every retry and redelivery carries the same
    /// one and receivers can de-duplicate on it.
    /// </summary>
    public static string MessageId(Guid eventId, string type)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{eventId:N}/{type}"), hash);
        return "msg_" + Convert.ToHexStringLower(hash[..16]);
    }

    private static string Insert(Func<int, string> p) =>
        $"insert into {HookTables.Deliveries} (id, endpoint_id, workspace_id, event_id, event_type, webhook_id, body, state, next_attempt_at, created_at) " +
        $"select md5(e.id::text || {p(2)}::text || {p(3)})::uuid, e.id, e.workspace_id, {p(2)}, {p(3)}, {p(4)}, {p(5)}, 'pending', {p(6)}, {p(6)} " +
        $"from {HookTables.Endpoints} e where e.workspace_id = {p(1)} and e.enabled and {p(3)} = any(e.event_types) and e.created_at <= {p(7)} " +
        "on conflict (endpoint_id, event_id, event_type) do nothing";

    // Marten's placeholders are positional (each `?` takes the next value): the order in which Insert names them.
    private static readonly List<int> MartenOrder = [];
    private static readonly string MartenSql = Insert(i =>
    {
        MartenOrder.Add(i);
        return "?";
    });

    private static readonly string NpgsqlSql = Insert(i => "$" + i);

    /// <summary>Queues the rows in a Marten session or projection (written with its other changes).</summary>
    public static void Queue(IDocumentOperations operations, Guid workspaceId, Guid eventId, string type, DateTimeOffset happenedAt, JsonObject data, DateTimeOffset now)
    {
        object[] values = [workspaceId, eventId, type, MessageId(eventId, type), HookEventTypes.Envelope(type, happenedAt, data), now, happenedAt];
        operations.QueueSqlCommand(MartenSql, [.. MartenOrder.Select(i => values[i - 1])]);
    }

    /// <summary>The same, as a command for a batch of the caller's own transaction.</summary>
    public static NpgsqlBatchCommand Command(Guid workspaceId, Guid eventId, string type, DateTimeOffset happenedAt, JsonObject data, DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand(NpgsqlSql);
        foreach (var value in new object[] { workspaceId, eventId, type, MessageId(eventId, type), HookEventTypes.Envelope(type, happenedAt, data), now, happenedAt })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
