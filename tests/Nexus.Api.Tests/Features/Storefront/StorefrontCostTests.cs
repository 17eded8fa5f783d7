using Nexus.Api.Features.Storefront.PublicStorefront;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>
/// The public storefront under the query cost limit: the full documented selection with default arguments runs (a
/// page of <see cref="StorefrontQuery.DefaultPageSize"/>), pages or copies that could do more than the limit allows do not.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class StorefrontCostTests(ApiFixture api)
{
    private const string Full = "totalCount edges { cursor node { id title description delivery price { amount currency } " +
        "variants { id name sku price { amount currency } inStock } media { url kind mime width height } } } pageInfo { hasNextPage endCursor }";

    [Fact]
    public async Task the_full_documented_selection_with_default_arguments_runs_and_answers_a_page_of_ten()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var photo = await api.Host.AddMediaAsync(workspace);
        for (var i = 0; i < StorefrontQuery.DefaultPageSize + 1; i++)
        {
            await api.Host.PublishedProductAsync(owner, workspace, $"P{i}", mediaIds: [photo]);
        }

        var handle = await api.Host.StorefrontHandleAsync(owner, workspace);

        var response = await api.Host.PostGraphQLAsync($"query ($h: String!) {{ storefront(handle: $h) {{ handle name products {{ {Full} }} }} }}", new { h = handle });

        Assert.True(response.Status == 200 && response.Errors.Length == 0, response.Body.ToString());
        var storefront = response.Data.GetProperty("storefront").GetProperty("products");
        Assert.Equal(StorefrontQuery.DefaultPageSize, storefront.GetProperty("edges").GetArrayLength());
        Assert.Equal(StorefrontQuery.DefaultPageSize + 1, storefront.GetProperty("totalCount").GetInt32());
        Assert.True(storefront.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        Assert.Contains("token=", storefront.GetProperty("edges")[0].GetProperty("node").GetProperty("media")[0].GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("query ($h: String!) { storefront(handle: $h) { products(first: 100) { " + Full + " } } }")]
    [InlineData("query ($h: String!) { storefront(handle: $h) { products(first: 20) { " + Full + " } } }")]
    [InlineData("query ($h: String!) { a: storefront(handle: $h) { products { " + Full + " } } b: storefront(handle: $h) { products { " + Full + " } } }")]
    [InlineData("query ($h: String!) { storefront(handle: $h) { a: products { " + Full + " } b: products { " + Full + " } } }")]
    [InlineData("query ($h: String!) { storefront(handle: $h) { products(first: 100) { edges { node { variants { id name sku inStock price { amount currency } } } } } } }")]
    public async Task a_selection_that_could_cost_more_than_the_limit_is_refused_before_anything_runs(string query)
    {
        var response = await api.Host.PostGraphQLAsync(query, new { h = "any-shop" });

        Assert.True(response.ErrorCodes is ["MAX_COMPLEXITY"], response.Body.ToString());
        Assert.False(response.Body.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task bigger_pages_are_for_fewer_fields()
    {
        var response = await api.Host.PostGraphQLAsync(
            "query ($h: String!) { storefront(handle: $h) { products(first: 100) { edges { node { id title price { amount currency } media { url } } } } } }",
            new { h = "any-shop" });

        Assert.True(response.Status == 200 && response.Errors.Length == 0, response.Body.ToString());
    }
}
