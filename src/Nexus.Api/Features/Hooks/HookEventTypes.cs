using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Api.GraphQL.Relay;

namespace Nexus.Api.Features.Hooks;

/// <summary>
/// One event type an endpoint can subscribe to: its name, what it means, who produces it, and an example of the
/// <c>data</c> it carries (the documented contract; <c>schema/webhooks.md</c> is generated from it).
/// </summary>
public sealed record HookEventType(string Name, string Description, string Producer, JsonObject ExampleData);

/// <summary>
/// The catalogue of outbound webhook event types. Every delivery body is the Standard Webhooks envelope
/// <c>{ "type", "timestamp", "data" }</c>; ids in <c>data</c> are the GraphQL global ids, and no secret is ever in it.
/// </summary>
public static class HookEventTypes
{
    public const string PostScheduled = "post.scheduled";
    public const string PostPublished = "post.published";
    public const string PostPartiallyPublished = "post.partially_published";
    public const string PostFailed = "post.failed";
    public const string TargetPublished = "target.published";
    public const string TargetFailed = "target.failed";
    public const string TargetUnconfirmed = "target.unconfirmed";
    public const string ConnectionNeedsReauth = "connection.needs_reauth";
    public const string ConnectionDisconnected = "connection.disconnected";
    public const string MediaProcessed = "media.processed";
    public const string MetricsUpdated = "metrics.updated";

    /// <summary>The test event <c>pingWebhookEndpoint</c> sends; not subscribable.</summary>
    public const string Ping = "webhook.ping";

    private static readonly string ExampleWorkspace = GlobalId.Encode("Workspace", Guid.Parse("0193a4b2-c1d0-7f00-a1b2-c3d4e5f6a7b8"));
    private static readonly string ExamplePost = GlobalId.Encode("Post", Guid.Parse("0193a4b2-c1d0-7f00-a1b2-c3d4e5f6a7b9"));
    private static readonly string ExampleTarget = GlobalId.Encode("PostTarget", Guid.Parse("0193a4b2-c1d0-7f00-a1b2-c3d4e5f6a7c0"));
    private static readonly string ExampleConnection = GlobalId.Encode("Connection", Guid.Parse("0193a4b2-c1d0-7f00-a1b2-c3d4e5f6a7c1"));
    private static readonly string ExampleMedia = GlobalId.Encode("MediaItem", Guid.Parse("0193a4b2-c1d0-7f00-a1b2-c3d4e5f6a7c2"));

    /// <summary>Bodies are JSON over HTTP, never HTML: <c>+</c> and quotes need no escaping.</summary>
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonObject Target(string status, JsonObject? extra = null)
    {
        var target = new JsonObject
        {
            ["workspaceId"] = ExampleWorkspace,
            ["postId"] = ExamplePost,
            ["targetId"] = ExampleTarget,
            ["connectionId"] = ExampleConnection,
            ["platform"] = "SANDBOX",
            ["status"] = status,
            ["attempt"] = 1,
        };
        foreach (var (key, value) in extra ?? [])
        {
            target[key] = value?.DeepClone();
        }

        return target;
    }

    private static JsonObject Post(string status) => new()
    {
        ["workspaceId"] = ExampleWorkspace,
        ["postId"] = ExamplePost,
        ["status"] = status,
        ["targets"] = new JsonArray(new JsonObject
        {
            ["targetId"] = ExampleTarget,
            ["connectionId"] = ExampleConnection,
            ["platform"] = "SANDBOX",
            ["status"] = status == "PARTIALLY_PUBLISHED" ? "PUBLISHED" : status,
            ["externalUrl"] = status == "FAILED" ? null : "https://sandbox.example/p/123",
        }),
    };

    public static IReadOnlyList<HookEventType> All { get; } =
    [
        new(PostScheduled, "A post was scheduled (or added to the queue) for publication at `scheduledAt`.", "PostScheduled",
            new JsonObject
            {
                ["workspaceId"] = ExampleWorkspace, ["postId"] = ExamplePost, ["scheduledAt"] = "2027-01-04T09:00:00.000Z",
                ["timeZone"] = "Europe/Berlin", ["fromQueue"] = false,
            }),
        new(PostPublished, "Every target of a post is published.", "TargetPublished, when it settles the post", Post("PUBLISHED")),
        new(PostPartiallyPublished, "Every target of a post settled, some published and some not (failed, unconfirmed).",
            "TargetPublished / TargetPublishFailed / TargetUnconfirmed, when it settles the post", Post("PARTIALLY_PUBLISHED")),
        new(PostFailed, "Every target of a post settled and none was published.", "TargetPublishFailed / TargetUnconfirmed, when it settles the post", Post("FAILED")),
        new(TargetPublished, "One target (a post on one connected account) was published.", "TargetPublished",
            Target("PUBLISHED", new JsonObject { ["externalId"] = "sbx-123", ["externalUrl"] = "https://sandbox.example/p/123", ["publishedAt"] = "2027-01-04T09:00:02.000Z" })),
        new(TargetFailed, "One target failed for good (no automatic retry follows).", "TargetPublishFailed without a next attempt",
            Target("FAILED", new JsonObject { ["error"] = new JsonObject { ["code"] = "PLATFORM_RULE", ["message"] = "The text is too long for this platform.", ["retryable"] = false } })),
        new(TargetUnconfirmed, "The platform's answer for one target was lost: it may or may not be published; Nexus never reposts blindly.",
            "TargetUnconfirmed", Target("UNCONFIRMED", new JsonObject { ["message"] = "The platform did not answer in time." })),
        new(ConnectionNeedsReauth, "A platform refused a connection's tokens: a person must reconnect the account.", "ConnectionNeedsReauth",
            new JsonObject { ["workspaceId"] = ExampleWorkspace, ["connectionId"] = ExampleConnection, ["platform"] = "SANDBOX", ["reason"] = "The person revoked Nexus's access on the platform." }),
        new(ConnectionDisconnected, "A connected account was disconnected from the workspace.", "AccountDisconnected",
            new JsonObject { ["workspaceId"] = ExampleWorkspace, ["connectionId"] = ExampleConnection, ["platform"] = "SANDBOX" }),
        new(MediaProcessed, "A processing job (`processMedia`, `fitMediaToTargets`) succeeded: `mediaId` is the new library item it made.",
            "MediaJobSucceeded", new JsonObject { ["workspaceId"] = ExampleWorkspace, ["mediaId"] = ExampleMedia, ["kind"] = "VIDEO" }),
        new(MetricsUpdated, "A published post's metrics were read from its platform (one event per post and reading).", "the metrics sync",
            new JsonObject
            {
                ["workspaceId"] = ExampleWorkspace, ["postId"] = ExamplePost, ["measuredAt"] = "2027-01-04T10:00:00.000Z",
                ["targets"] = new JsonArray(new JsonObject { ["targetId"] = ExampleTarget, ["impressions"] = 1200, ["likes"] = 34 }),
            }),
    ];

    public static IReadOnlySet<string> Names { get; } = All.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>The envelope every delivery body has (Standard Webhooks: <c>type</c>, <c>timestamp</c>, <c>data</c>).</summary>
    public static string Envelope(string type, DateTimeOffset timestamp, JsonObject data) =>
        new JsonObject { ["type"] = type, ["timestamp"] = Time(timestamp), ["data"] = data }.ToJsonString(Json);

    /// <summary>An instant as every payload writes it: UTC, milliseconds, <c>Z</c>.</summary>
    public static string Time(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>schema/webhooks.md</c>: the catalogue as documentation (SchemaExport writes it; a test checks it).</summary>
    public static string Markdown()
    {
        var json = new JsonSerializerOptions(Json) { WriteIndented = true };
        var text = new StringBuilder();
        text.Append("# Outbound webhook event catalogue\n\n")
            .Append("Generated from `src/Nexus.Api/Features/Hooks/HookEventTypes.cs` (`export-schema`); a test fails when this file and the code differ.\n\n")
            .Append("Every delivery is a `POST` with a JSON body, signed the Standard Webhooks way: headers `webhook-id` (stable across retries of one\n")
            .Append("message: de-duplicate on it), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`\n")
            .Append("(`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` under the endpoint's `whsec_` secret).\n")
            .Append("The body is the envelope `{ \"type\", \"timestamp\", \"data\" }`; ids in `data` are GraphQL global ids; no secret is ever sent.\n\n")
            .Append("| type | meaning | produced by |\n|---|---|---|\n");
        foreach (var type in All)
        {
            text.Append(CultureInfo.InvariantCulture, $"| `{type.Name}` | {type.Description} | {type.Producer} |\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\nThe test event `{Ping}` (`pingWebhookEndpoint`) has `data` `{{ \"workspaceId\", \"endpointId\" }}`; it cannot be subscribed to.\n");
        foreach (var type in All)
        {
            var example = JsonNode.Parse(Envelope(type.Name, new DateTimeOffset(2027, 1, 4, 9, 0, 2, TimeSpan.Zero), (JsonObject)type.ExampleData.DeepClone()))!;
            text.Append(CultureInfo.InvariantCulture, $"\n## `{type.Name}`\n\n{type.Description}\n\n```json\n{example.ToJsonString(json).ReplaceLineEndings("\n")}\n```\n");
        }

        return text.ToString();
    }
}
