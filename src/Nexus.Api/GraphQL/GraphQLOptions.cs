namespace Nexus.Api.GraphQL;

/// <summary>GraphQL limits and switches, bound from <c>Nexus:GraphQL</c>.</summary>
public sealed class GraphQLOptions
{
    public const string Section = "Nexus:GraphQL";

    /// <summary>Deepest selection nesting allowed (top-level error <c>MAX_DEPTH</c> beyond it).</summary>
    public int MaxDepth { get; set; } = 15;

    /// <summary>Highest estimated cost allowed (top-level error <c>MAX_COMPLEXITY</c> beyond it).</summary>
    public int MaxComplexity { get; set; } = 5000;

    /// <summary>Largest request accepted: POST body bytes or GET query-string length (413 beyond it).</summary>
    public int MaxRequestBytes { get; set; } = 128 * 1024;

    /// <summary>Whether <c>__schema</c> / <c>__type</c> may be queried.</summary>
    public bool EnableIntrospection { get; set; } = true;

    /// <summary>Whether browsers get GraphiQL at <c>GET /graphql</c>.</summary>
    public bool EnableGraphiQL { get; set; } = true;
}
