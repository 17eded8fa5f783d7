namespace Nexus.Api.GraphQL;

/// <summary>GraphQL limits and switches, bound from <c>Nexus:GraphQL</c>.</summary>
public sealed class GraphQLOptions
{
    public const string Section = "Nexus:GraphQL";

    /// <summary>Deepest selection nesting allowed (top-level error <c>MAX_DEPTH</c> beyond it).</summary>
    public int MaxDepth { get; set; } = 15;

    /// <summary>Highest estimated cost allowed (top-level error <c>MAX_COMPLEXITY</c> beyond it).</summary>
    public int MaxComplexity { get; set; } = 5000;

    /// <summary>Most aliased fields one document may hold (top-level error <c>MAX_ALIASES</c> beyond it).</summary>
    public int MaxAliases { get; set; } = 50;

    /// <summary>
    /// Largest HTTP response body; an answer that would be larger is replaced by the error <c>RESPONSE_TOO_LARGE</c>
    /// instead of being streamed.
    /// </summary>
    public int MaxResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest request accepted: POST body bytes or GET query-string length (413 beyond it).</summary>
    public int MaxRequestBytes { get; set; } = 128 * 1024;

    /// <summary>Whether <c>__schema</c> / <c>__type</c> may be queried.</summary>
    public bool EnableIntrospection { get; set; } = true;

    /// <summary>Whether browsers get GraphiQL at <c>GET /graphql</c>.</summary>
    public bool EnableGraphiQL { get; set; } = true;

    /// <summary>How long a WebSocket may stay open without <c>connection_init</c> (closed with 4408 after).</summary>
    public TimeSpan WebSocketInitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a WebSocket may stay open without an active subscription (closed with 4408 after), signed in or not:
    /// an open socket costs memory and a keep-alive timer even when it carries nothing.
    /// </summary>
    public TimeSpan WebSocketIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Open WebSockets per client address; the next upgrade request is answered 429.</summary>
    public int MaxWebSocketsPerClient { get; set; } = 50;

    /// <summary>Open WebSockets on this server; the next upgrade request is answered 503.</summary>
    public int MaxWebSockets { get; set; } = 10_000;

    /// <summary>Interval of WebSocket ping frames, so idle sockets behind proxies stay open and dead peers are noticed.</summary>
    public TimeSpan WebSocketKeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Active subscriptions one WebSocket may hold; one more is answered with an <c>error</c> message.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 20;

    /// <summary>Messages waiting to be written to one WebSocket; a client that lets more pile up is closed (1013).</summary>
    public int WebSocketSendQueueLimit { get; set; } = 256;
}
