using System.Net;
using System.Text.Json;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

[Collection(ApiCollection.Name)]
public sealed class HttpTransportTests(ApiFixture api)
{
    private const string PlatformsQuery = "{ platforms { id maxTextLength } }";

    [Fact]
    public async Task a_post_query_answers_graphql_response_json()
    {
        var response = await api.Host.PostGraphQLAsync(PlatformsQuery);

        Assert.Equal(200, response.Status);
        Assert.Equal(GraphQLClient.GraphQLResponseJson, response.ContentType);
        Assert.Equal(8, response.Data.GetProperty("platforms").GetArrayLength());
    }

    [Fact]
    public async Task a_client_that_accepts_only_json_gets_application_json()
    {
        var response = await api.Host.SendAsync(HttpMethod.Post, "/graphql", Body(PlatformsQuery), "application/json", accept: "application/json");

        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", response.ContentType);
    }

    [Fact]
    public async Task without_an_accept_header_the_response_is_graphql_response_json()
    {
        var response = await api.Host.SendAsync(HttpMethod.Post, "/graphql", Body(PlatformsQuery), "application/json", accept: null);

        Assert.Equal(GraphQLClient.GraphQLResponseJson, response.ContentType);
    }

    [Fact]
    public async Task a_client_that_accepts_neither_json_type_gets_406()
    {
        var response = await api.Host.SendAsync(HttpMethod.Post, "/graphql", Body(PlatformsQuery), "application/json", accept: "text/csv");

        Assert.Equal(406, response.Status);
    }

    [Fact]
    public async Task a_get_query_is_answered()
    {
        var response = await api.Host.SendAsync(HttpMethod.Get, "/graphql?query=" + Uri.EscapeDataString(PlatformsQuery));

        Assert.Equal(200, response.Status);
        Assert.Equal(8, response.Data.GetProperty("platforms").GetArrayLength());
    }

    [Fact]
    public async Task a_get_query_takes_variables_and_an_operation_name()
    {
        const string document = "query A { platforms { id } } query B($id: ID!) { node(id: $id) { id } }";
        var url = "/graphql?query=" + Uri.EscapeDataString(document) + "&operationName=A&variables=" + Uri.EscapeDataString("{}");

        var response = await api.Host.SendAsync(HttpMethod.Get, url);

        Assert.Equal(200, response.Status);
        Assert.True(response.Data.TryGetProperty("platforms", out _));
    }

    [Fact]
    public async Task a_mutation_over_get_is_405()
    {
        const string mutation = "mutation { signUp(input: { email: \"a@example.com\", password: \"x\", displayName: \"A\" }) { errors { code } } }";

        var response = await api.Host.SendAsync(HttpMethod.Get, "/graphql?query=" + Uri.EscapeDataString(mutation));

        Assert.Equal(405, response.Status);
        Assert.Contains("POST", response.Raw.Content.Headers.Allow);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
    }

    [Fact]
    public async Task other_methods_are_405()
    {
        var response = await api.Host.SendAsync(HttpMethod.Put, "/graphql", Body(PlatformsQuery), "application/json");

        Assert.Equal(405, response.Status);
    }

    [Fact]
    public async Task an_unparsable_document_is_400_bad_request()
    {
        var response = await api.Host.PostGraphQLAsync("{ platforms { id ");

        Assert.Equal(400, response.Status);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        Assert.False(response.Body.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task an_invalid_document_is_400_bad_request()
    {
        var response = await api.Host.PostGraphQLAsync("{ platforms { id noSuchField } }");

        Assert.Equal(400, response.Status);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        Assert.Contains("noSuchField", response.Errors[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task invalid_variables_are_400()
    {
        var response = await api.Host.PostGraphQLAsync("query ($id: ID!) { node(id: $id) { id } }", new { id = (string?)null });

        Assert.Equal(400, response.Status);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
    }

    [Fact]
    public async Task an_unknown_operation_name_is_400()
    {
        var response = await api.Host.PostGraphQLAsync("query A { platforms { id } }", operationName: "B");

        Assert.Equal(400, response.Status);
    }

    [Fact]
    public async Task the_operation_name_picks_the_operation()
    {
        var response = await api.Host.PostGraphQLAsync("query A { platforms { id } } query B { platforms { name } }", operationName: "B");

        Assert.Equal(200, response.Status);
        Assert.True(response.Data.GetProperty("platforms")[0].TryGetProperty("name", out _));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"query\": 42}")]
    [InlineData("{}")]
    [InlineData("[{\"query\": \"{ platforms { id } }\"}]")]
    public async Task a_body_that_is_not_a_graphql_request_is_400(string body)
    {
        var response = await api.Host.SendAsync(HttpMethod.Post, "/graphql", body, "application/json");

        Assert.Equal(400, response.Status);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
    }

    [Fact]
    public async Task a_body_in_another_media_type_is_415()
    {
        var response = await api.Host.SendAsync(HttpMethod.Post, "/graphql", PlatformsQuery, "text/plain");

        Assert.Equal(415, response.Status);
    }

    [Fact]
    public async Task a_request_over_the_size_limit_is_413()
    {
        var padding = new string(' ', 200 * 1024);
        var response = await api.Host.PostGraphQLAsync("{ platforms { id } }" + padding);

        Assert.Equal(413, response.Status);
    }

    [Fact]
    public async Task a_too_deep_query_is_refused_with_max_depth()
    {
        var nested = "{ __schema { types { fields { type { " + string.Concat(Enumerable.Repeat("ofType { ", 12)) + "name" + new string('}', 12 + 5);

        var response = await api.Host.PostGraphQLAsync(nested);

        Assert.Equal(400, response.Status);
        Assert.Equal(["MAX_DEPTH"], response.ErrorCodes);
    }

    [Fact]
    public async Task a_too_costly_query_is_refused_with_max_complexity()
    {
        var response = await api.Host.PostGraphQLAsync("{ me { workspaces(first: 100) { edges { node { posts(first: 100) { edges { node { id targets { id status } } } } } } } } }");

        Assert.Equal(400, response.Status);
        Assert.Equal(["MAX_COMPLEXITY"], response.ErrorCodes);
    }

    [Fact]
    public async Task the_introspection_query_that_graphiql_sends_fits_the_limits()
    {
        var response = await api.Host.PostGraphQLAsync(IntrospectionQuery.Full);

        Assert.True(response.Status == 200, response.Body.ToString());
        Assert.Empty(response.Errors);
        Assert.True(response.Data.GetProperty("__schema").GetProperty("types").GetArrayLength() > 10);
    }

    [Fact]
    public async Task an_error_never_exposes_exception_details()
    {
        var response = await api.Host.PostGraphQLAsync("{ node(id: \"not-an-id\") { id } }");

        Assert.Equal(200, response.Status);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        Assert.DoesNotContain("stack", response.Body.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(JsonValueKind.Null, response.Data.GetProperty("node").ValueKind);
    }

    private static string Body(string query) => JsonSerializer.Serialize(new { query });
}

/// <summary>A host with introspection switched off.</summary>
public sealed class NoIntrospectionFixture : ApiFixture
{
    protected override string Purpose => "nointro";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:GraphQL:EnableIntrospection"] = "false",
        ["Nexus:GraphQL:EnableGraphiQL"] = "false",
    };
}

public sealed class IntrospectionSwitchTests(NoIntrospectionFixture api) : IClassFixture<NoIntrospectionFixture>
{
    [Fact]
    public async Task introspection_can_be_switched_off()
    {
        var response = await api.Host.PostGraphQLAsync("{ __schema { queryType { name } } }");

        Assert.Equal(400, response.Status);
        Assert.Equal(["INTROSPECTION_DISABLED"], response.ErrorCodes);
    }

    [Fact]
    public async Task ordinary_queries_still_work_without_introspection()
    {
        var data = await api.Host.QueryAsync("{ platforms { id } }");

        Assert.Equal(8, data.GetProperty("platforms").GetArrayLength());
    }

    [Fact]
    public async Task graphiql_can_be_switched_off()
    {
        var response = await api.Host.SendAsync(HttpMethod.Get, "/graphql", accept: "text/html");

        Assert.NotEqual(HttpStatusCode.OK == (HttpStatusCode)response.Status ? "text/html" : "", response.ContentType);
        Assert.Equal(404, (await api.Host.SendAsync(HttpMethod.Get, "/graphiql/graphiql.min.js", accept: "*/*")).Status);
    }
}
