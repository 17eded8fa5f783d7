using System.Net;
using Microsoft.Extensions.Options;
using Nexus.Api.GraphQL;

namespace Nexus.Api.Infrastructure;

/// <summary>
/// <c>GET /</c>: what this server is and where to go, for a person who opens its address in a browser (HTML) or with
/// curl (JSON). <c>GET /schema.graphql</c>: the SDL, wherever introspection is allowed (it tells no more than that).
/// </summary>
public static class HomePage
{
    public static IEndpointRouteBuilder MapHomePage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http, IOptions<GraphQLOptions> options) =>
        {
            var links = Links(options.Value);
            var wantsHtml = http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
            return wantsHtml
                ? Results.Content(Html(links), "text/html; charset=utf-8")
                : Results.Json(new
                {
                    name = "Nexus",
                    description = Description,
                    links = links.ToDictionary(l => l.Rel, l => l.Href),
                });
        });
        app.MapGet("/schema.graphql", (IServiceProvider services, IOptions<GraphQLOptions> options) =>
            options.Value.EnableIntrospection
                ? Results.Text(SchemaExport.Sdl(services), "text/plain; charset=utf-8")
                : Results.NotFound());
        return app;
    }

    private const string Description =
        "The Nexus API: social-media management (workspaces, connected accounts, scheduled publishing) over GraphQL.";

    private sealed record Link(string Rel, string Href, string Text);

    private static List<Link> Links(GraphQLOptions options)
    {
        var links = new List<Link>
        {
            new("graphql", "/graphql", options.EnableGraphiQL ? "GraphiQL: explore and run queries (POST /graphql for clients)" : "GraphQL endpoint (POST /graphql)"),
        };
        if (options.EnableIntrospection)
        {
            links.Add(new("schema", "/schema.graphql", "The schema (SDL), with every type and field described"));
        }

        links.Add(new("openid-configuration", "/.well-known/openid-configuration", "OAuth 2.0 / OpenID Connect discovery: how to get a token"));
        links.Add(new("sign-in", "/account/login", "Sign in"));
        links.Add(new("readiness", "/readyz", "Readiness"));
        return links;
    }

    private static string Html(IEnumerable<Link> links) =>
        $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Nexus API</title></head>
        <body>
        <h1>Nexus API</h1>
        <p>{WebUtility.HtmlEncode(Description)}</p>
        <ul>
        {string.Concat(links.Select(l => $"<li><a href=\"{WebUtility.HtmlEncode(l.Href)}\">{WebUtility.HtmlEncode(l.Text)}</a></li>\n"))}</ul>
        <p>Sign in with the OAuth endpoints, then call <code>POST /graphql</code> with <code>Authorization: Bearer &lt;token&gt;</code>.</p>
        </body></html>
        """;
}
