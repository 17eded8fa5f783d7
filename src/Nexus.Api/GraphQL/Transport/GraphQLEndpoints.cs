using Microsoft.Extensions.Options;

namespace Nexus.Api.GraphQL.Transport;

public static class GraphQLEndpoints
{
    public const string Path = "/graphql";

    /// <summary>Maps GraphQL over HTTP at <c>/graphql</c> and GraphiQL's assets at <c>/graphiql/*</c>.</summary>
    public static IEndpointRouteBuilder MapNexusGraphQL(this IEndpointRouteBuilder app)
    {
        var assets = new GraphiQLAssets();
        var graphiqlEnabled = app.ServiceProvider.GetRequiredService<IOptions<GraphQLOptions>>().Value.EnableGraphiQL && assets.HasPage;

        app.Map(Path, http =>
        {
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
