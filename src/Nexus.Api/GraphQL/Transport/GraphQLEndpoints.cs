using Microsoft.Extensions.Options;

namespace Nexus.Api.GraphQL.Transport;

public static class GraphQLEndpoints
{
    public const string Path = "/graphql";

    /// <summary>Accepts WebSocket upgrades (for subscriptions at <c>/graphql</c>), with keep-alive pings.</summary>
    public static IApplicationBuilder UseNexusWebSockets(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<GraphQLOptions>>().Value;
        return app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.WebSocketKeepAliveInterval });
    }

    /// <summary>
    /// Maps GraphQL at <c>/graphql</c>: over HTTP, and over WebSocket (<c>graphql-transport-ws</c>) for upgrade
    /// requests; GraphiQL's assets at <c>/graphiql/*</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapNexusGraphQL(this IEndpointRouteBuilder app)
    {
        var assets = new GraphiQLAssets();
        var graphiqlEnabled = app.ServiceProvider.GetRequiredService<IOptions<GraphQLOptions>>().Value.EnableGraphiQL && assets.HasPage;

        app.Map(Path, http =>
        {
            if (http.WebSockets.IsWebSocketRequest)
            {
                return http.RequestServices.GetRequiredService<GraphQLWebSocketEndpoint>().HandleAsync(http);
            }

            if (graphiqlEnabled && GraphiQLAssets.IsBrowserPageRequest(http.Request))
            {
                return assets.WritePageAsync(http);
            }

            return http.RequestServices.GetRequiredService<GraphQLHttpEndpoint>().HandleAsync(http);
        });

        if (graphiqlEnabled)
        {
            app.MapGet("/graphiql/{*file}", (HttpContext http, string file) => assets.WriteAsync(http, file));
        }

        return app;
    }
}
