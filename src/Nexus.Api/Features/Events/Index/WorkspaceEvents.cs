using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Accounts.SigningInWithProviders;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure;
using Npgsql;

namespace Nexus.Api.Features.EventStreams.Index;

/// <summary>
/// One event of a workspace as analysts see it: its place in the log (<see cref="Sequence"/>, the cursor), its stream
/// and version there, the stored Marten type name, when it was appended and its data as stored, with personal data
/// masked (<see cref="EventMasking"/>).
/// </summary>
public sealed record WorkspaceEvent(long Sequence, Guid Id, Guid StreamId, string Type, long Version, DateTimeOffset Timestamp, string Data)
{
    public string Cursor => EventCursor.Encode(Sequence);
}

/// <summary>What a reader asks for: only these stored type names (null: all), appended in [<see cref="From"/>, <see cref="To"/>).</summary>
public sealed record EventFilter(string[]? Types, DateTimeOffset? From, DateTimeOffset? To)
{
    public const int MaxTypes = 50;

    public static readonly EventFilter All = new(null, null, null);

    /// <summary>Checks the filters against the known type names; a bad one is <c>BAD_REQUEST</c> naming what is wrong.</summary>
    public static EventFilter Create(IReadOnlyCollection<string>? types, DateTimeOffset? from, DateTimeOffset? to, IDocumentStore store)
    {
        if (types is { Count: > MaxTypes })
        {
            throw new BadRequestError($"`types` takes at most {MaxTypes} event type names.");
        }

        if (types is not null)
        {
            var known = KnownTypes(store);
            var unknown = types.Where(t => !known.Contains(t)).ToList();
            if (unknown.Count > 0)
            {
                throw new BadRequestError($"Unknown event type `{TextInput.Excerpt(unknown[0])}`: `types` takes stored type names such as `post_scheduled` (see schema/events.md).");
            }
        }

        if (from is not null && to is not null && to <= from)
        {
            throw new BadRequestError("`to` must be after `from`.");
        }

        // An empty list filters nothing out, like an absent one (the export's `types=`).
        return new EventFilter(types is null or { Count: 0 } ? null : [.. types.Distinct(StringComparer.Ordinal)], from, to);
    }

    /// <summary>The stored names of every event type the store knows.</summary>
    public static IReadOnlySet<string> KnownTypes(IDocumentStore store) =>
        store.Options.Events.AllKnownEventTypes().Select(t => t.EventTypeName).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// The one cursor of <c>Workspace.events</c>, <c>GET /events/export</c> and <c>eventsAppended</c>: opaque, it holds the
/// event's sequence number, so a position taken from any of them resumes any other.
/// </summary>
public static class EventCursor
{
    private const string List = "events";

    public static string Encode(long sequence) => Paging.EncodeCursor(Key(sequence));

    /// <summary>The cursor's key (see <see cref="Paging.Key"/>).</summary>
    public static string Key(long sequence) => Paging.Key(List, sequence.ToString(CultureInfo.InvariantCulture));

    /// <summary>The sequence a cursor holds; 0 (the start) for none; <c>BAD_REQUEST</c> for anything else.</summary>
    public static long Decode(string? cursor) =>
        string.IsNullOrEmpty(cursor) ? 0
        : Paging.TryDecodeCursor(cursor, out var key) && new PageRequest(1, key).After(List, 1) is [var sequence] ? PageRequest.LongPart(sequence)
        : throw Paging.InvalidCursor();
}

/// <summary>
/// Reads a workspace's events from the index (<see cref="WorkspaceEventIndex"/>) with their data from <c>mt_events</c>,
/// in sequence order after a cursor. Only through the index, which holds a workspace's own streams and no user's.
/// </summary>
public static class WorkspaceEventReader
{
    private static readonly string Sql =
        "select w.seq_id, e.id, e.stream_id, e.type, e.version, e.timestamp, e.data::text " +
        $"from {WorkspaceEventIndex.Events} w join {Persistence.SchemaName}.mt_events e on e.seq_id = w.seq_id " +
        "where w.workspace_id = $1 and w.seq_id > $2 and ($3::text[] is null or w.type = any($3)) " +
        "and ($4::timestamptz is null or w.timestamp >= $4) and ($5::timestamptz is null or w.timestamp < $5) " +
        "order by w.seq_id limit $6";

    /// <summary>Up to <paramref name="limit"/> events after <paramref name="after"/>, streamed as the database sends them.</summary>
    public static async IAsyncEnumerable<WorkspaceEvent> ReadAsync(NpgsqlDataSource database, Guid workspaceId, long after, EventFilter filter, int limit,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = database.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = workspaceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        AddFilter(command, filter);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var type = reader.GetString(3);
            yield return new WorkspaceEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetGuid(2), type, reader.GetInt64(4),
                new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero), EventMasking.Mask(type, reader.GetString(6)));
        }
    }

    /// <summary>How many events of the workspace match the filter (for <c>totalCount</c>).</summary>
    public static async Task<int> CountAsync(NpgsqlDataSource database, Guid workspaceId, EventFilter filter, CancellationToken ct)
    {
        await using var command = database.CreateCommand(
            $"select count(*)::int from {WorkspaceEventIndex.Events} w where w.workspace_id = $1 and ($2::text[] is null or w.type = any($2)) " +
            "and ($3::timestamptz is null or w.timestamp >= $3) and ($4::timestamptz is null or w.timestamp < $4)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = workspaceId });
        AddFilter(command, filter);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    private static void AddFilter(NpgsqlCommand command, EventFilter filter)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.Types ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.From?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.To?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
    }

    /// <summary>The last sequence indexed for a workspace (0 when none): where a live reader without a cursor starts.</summary>
    public static async Task<long> LastAsync(NpgsqlDataSource database, Guid workspaceId, CancellationToken ct)
    {
        await using var command = database.CreateCommand($"select coalesce(max(seq_id), 0) from {WorkspaceEventIndex.Events} where workspace_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = workspaceId });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>As the <c>DateTime</c> scalar writes an instant: UTC, with as many fraction digits as it has.</summary>
    public static string FormatInstant(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes an event as <c>{ "cursor", "node": { id sequence streamId type version timestamp data } }</c>: an edge of
    /// <c>Workspace.events</c>, the shape of an export line.
    /// </summary>
    public static void WriteEdge(Utf8JsonWriter writer, WorkspaceEvent e)
    {
        writer.WriteStartObject();
        writer.WriteString("cursor", e.Cursor);
        writer.WritePropertyName("node");
        writer.WriteStartObject();
        writer.WriteString("id", e.Id.ToString());
        writer.WriteNumber("sequence", e.Sequence);
        writer.WriteString("streamId", e.StreamId.ToString());
        writer.WriteString("type", e.Type);
        writer.WriteNumber("version", e.Version);
        writer.WriteString("timestamp", FormatInstant(e.Timestamp));
        writer.WritePropertyName("data");
        writer.WriteRawValue(e.Data, skipInputValidation: true);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

/// <summary>
/// Personal data in the analysts' streams is always masked, whoever asks: the email of an invitation, a connected
/// account's name, handle, avatar and the platform's id for it, and, should one ever reach a workspace's stream, what
/// the user events' own masking rules erase (their <c>AddMaskingRuleForProtectedInformation</c>). Ids of members
/// (<c>ByUserId</c>, <c>AuthorId</c>) stay: they are pseudonyms that the workspace's members list resolves for those
/// entitled to see it. Post texts are the workspace's content, not personal data, and stay.
/// </summary>
public static class EventMasking
{
    public const string Masked = "(masked)";

    // As PostgreSQL writes the stored JSON: no escaping of '+' or non-ASCII letters (the JSON stays valid).
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // By stored type name (Marten's snake_case alias of the class name); the property names are the stored JSON's.
    private static readonly Dictionary<string, string[]> Rules = new(StringComparer.Ordinal)
    {
        [Alias<MemberInvited>()] = [nameof(MemberInvited.Email)],
        [Alias<AccountConnected>()] = [nameof(AccountConnected.ExternalId), nameof(AccountConnected.Name), nameof(AccountConnected.Handle), nameof(AccountConnected.AvatarUrl)],
        [Alias<AccountReconnected>()] = [nameof(AccountReconnected.Name), nameof(AccountReconnected.Handle), nameof(AccountReconnected.AvatarUrl)],
        [Alias<UserRegistered>()] = [nameof(UserRegistered.Email), nameof(UserRegistered.DisplayName)],
        [Alias<EmailVerified>()] = [nameof(EmailVerified.Email)],
        [Alias<ProfileUpdated>()] = [nameof(ProfileUpdated.DisplayName), nameof(ProfileUpdated.AvatarUrl), nameof(ProfileUpdated.Bio)],
        [Alias<ExternalLoginLinked>()] = [nameof(ExternalLoginLinked.ProviderUserId)],
    };

    /// <summary>The masked types and their masked properties (for tests and the README).</summary>
    public static IReadOnlyDictionary<string, string[]> MaskedProperties => Rules;

    /// <summary>The stored data of an event of <paramref name="type"/>, its personal data replaced by <see cref="Masked"/>.</summary>
    public static string Mask(string type, string data)
    {
        if (!Rules.TryGetValue(type, out var properties) || JsonNode.Parse(data) is not JsonObject json)
        {
            return data;
        }

        foreach (var property in properties)
        {
            if (json[property] is not null)
            {
                json[property] = Masked;
            }
        }

        return json.ToJsonString(Relaxed);
    }

    /// <summary>Marten's default alias of an event type: its class name in snake case (<c>MemberInvited</c> → <c>member_invited</c>).</summary>
    public static string Alias<T>() => typeof(T).Name.ToSnakeCase();

    private static string ToSnakeCase(this string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
