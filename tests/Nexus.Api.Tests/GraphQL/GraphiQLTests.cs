using System.Text.RegularExpressions;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

[Collection(ApiCollection.Name)]
public sealed partial class GraphiQLTests(ApiFixture api)
{
    [Fact]
    public async Task a_browser_gets_graphiql_at_the_graphql_path()
    {
        var response = await api.Host.SendAsync(HttpMethod.Get, "/graphql", accept: "text/html,application/xhtml+xml,*/*;q=0.8");
        var html = await response.Raw.Content.ReadAsStringAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal("text/html", response.ContentType);
        Assert.Contains("<title>Nexus GraphQL</title>", html);
        Assert.Contains("'self'", response.Raw.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task every_asset_the_page_references_is_served_by_nexus()
    {
        var html = await (await api.Host.SendAsync(HttpMethod.Get, "/graphql", accept: "text/html")).Raw.Content.ReadAsStringAsync();
        var references = AssetReference().Matches(html).Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(references);
        Assert.All(references, reference => Assert.StartsWith("/graphiql/", reference));
        foreach (var reference in references)
        {
            var asset = await api.Host.SendAsync(HttpMethod.Get, reference, accept: "*/*");
            Assert.Equal(200, asset.Status);
            Assert.Equal("nosniff", asset.Raw.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    [Theory]
    [InlineData("/graphiql/graphiql.min.js", "text/javascript")]
    [InlineData("/graphiql/graphiql.min.css", "text/css")]
    public async Task assets_have_their_content_types(string url, string contentType)
    {
        var asset = await api.Host.SendAsync(HttpMethod.Get, url, accept: "*/*");

        Assert.Equal(contentType, asset.ContentType);
    }

    [Fact]
    public async Task an_unknown_asset_is_404()
    {
        Assert.Equal(404, (await api.Host.SendAsync(HttpMethod.Get, "/graphiql/nope.js", accept: "*/*")).Status);
    }

    [Fact]
    public async Task a_get_with_a_query_is_graphql_even_from_a_browser()
    {
        var response = await api.Host.SendAsync(HttpMethod.Get, "/graphql?query=%7B%20platforms%20%7B%20id%20%7D%20%7D", accept: "text/html, application/json");

        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", response.ContentType);
    }

    [GeneratedRegex("""(?:src|href)="([^"]+)"|url\(([^)]+)\)""")]
    private static partial Regex AssetReference();
}
