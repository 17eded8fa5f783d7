using System.Text.Json;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

/// <summary>Inputs and documents that used to reach a 500 or INTERNAL, and the limits on what one request may ask.</summary>
[Collection(ApiCollection.Name)]
public sealed class InputAndLimitTests(ApiFixture api)
{
    private const string UpdateProfile = "mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { errors { __typename } } }";

    private static string Fragments => IntrospectionQuery.Full[IntrospectionQuery.Full.IndexOf("fragment FullType", StringComparison.Ordinal)..];

    [Fact]
    public async Task aliased_copies_of_the_full_introspection_query_are_refused_with_max_complexity()
    {
        var copies = string.Join(" ", Enumerable.Range(0, 3).Select(i => $"s{i}: __schema {{ types {{ ...FullType }} directives {{ name }} }}"));

        var response = await api.Host.PostGraphQLAsync($"query Copies {{ {copies} }} {Fragments}");

        Assert.Equal(400, response.Status);
        Assert.Equal(["MAX_COMPLEXITY"], response.ErrorCodes);
    }

    [Fact]
    public async Task a_document_of_aliased_schema_selections_is_refused_with_max_complexity()
    {
        var copies = string.Join(" ", Enumerable.Range(0, 40).Select(i => $"s{i}: __schema {{ types {{ name fields {{ name }} }} }}"));

        var response = await api.Host.PostGraphQLAsync("{ " + copies + " }");

        Assert.Equal(400, response.Status);
        Assert.Equal(["MAX_COMPLEXITY"], response.ErrorCodes);
    }

    [Fact]
    public async Task one_type_lookup_and_a_schema_summary_are_cheap_enough()
    {
        var data = await api.Host.QueryAsync("{ __type(name: \"Query\") { fields { name } } __schema { queryType { name } } }");

        Assert.Equal("Query", data.GetProperty("__schema").GetProperty("queryType").GetProperty("name").GetString());
    }

    [Fact]
    public async Task more_aliases_than_the_limit_are_refused_with_max_aliases()
    {
        var aliases = string.Join(" ", Enumerable.Range(0, 51).Select(i => $"p{i}: __typename"));

        var response = await api.Host.PostGraphQLAsync("{ " + aliases + " }");

        Assert.Equal(400, response.Status);
        Assert.Equal(["MAX_ALIASES"], response.ErrorCodes);
    }

    [Fact]
    public async Task aliases_in_fragments_count_too()
    {
        var aliases = string.Join(" ", Enumerable.Range(0, 51).Select(i => $"p{i}: id"));

        var response = await api.Host.PostGraphQLAsync("{ platforms { ...P } } fragment P on Platform { " + aliases + " }");

        Assert.Equal(["MAX_ALIASES"], response.ErrorCodes);
    }

    [Fact]
    public async Task a_few_aliases_are_fine()
    {
        var data = await api.Host.QueryAsync("{ a: platforms { id } b: platforms { name } }");

        Assert.Equal(8, data.GetProperty("b").GetArrayLength());
    }

    [Theory]
    [InlineData(60)]
    [InlineData(500)]
    public async Task selections_nested_past_the_parser_s_limit_are_400_max_depth(int levels)
    {
        var query = "{ __type(name: \"Query\") " + string.Concat(Enumerable.Repeat("{ ofType ", levels)) + "{ name }" + new string('}', levels + 1);

        var response = await api.Host.PostGraphQLAsync(query);

        Assert.Equal(400, response.Status);
        Assert.Equal(["MAX_DEPTH"], response.ErrorCodes);
        Assert.DoesNotContain("   at ", response.Body.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{ a: ", " }")]
    public async Task list_and_object_literals_nested_deeply_are_400_max_depth(string open, string close)
    {
        var value = string.Concat(Enumerable.Repeat(open, 300)) + "1" + string.Concat(Enumerable.Repeat(close, 300));

        var response = await api.Host.PostGraphQLAsync("{ node(id: " + value + ") { id } }");

        Assert.Equal(400, response.Status);
        Assert.Equal(["MAX_DEPTH"], response.ErrorCodes);
    }

    [Fact]
    public async Task a_subscription_nested_too_deeply_gets_a_max_depth_error_and_the_socket_stays_open()
    {
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host);
        var query = "subscription " + string.Concat(Enumerable.Repeat("{ a ", 80)) + "{ b }" + new string('}', 80);

        await client.SubscribeAsync("deep", query);

        Assert.Equal(["MAX_DEPTH"], await client.ErrorCodesAsync("deep"));
        Assert.Empty(await client.RoundTripAsync());
    }

    [Theory]
    [InlineData("bio", "a\\u0000b")]
    [InlineData("displayName", "\\u0001")]
    [InlineData("avatarUrl", "https://example.com/\\u0000.png")]
    public async Task a_control_character_in_a_variable_is_400_bad_request_naming_it(string field, string escaped)
    {
        var text = System.Text.RegularExpressions.Regex.Unescape(escaped);
        var person = await api.Host.PersonAsync();
        var input = new Dictionary<string, object?> { ["displayName"] = "Tester", [field] = text };

        var response = await api.Host.AsAsync(person, UpdateProfile, new { input });

        Assert.True(response.Status == 400, response.Body.ToString());
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        Assert.Matches("control characters|unpaired surrogate", response.Errors[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task a_lone_surrogate_in_a_variable_is_400_bad_request()
    {
        // Raw JSON: a serializer would quietly replace the lone surrogate by U+FFFD.
        const string body = "{\"query\":\"query ($id: ID!) { node(id: $id) { id } }\",\"variables\":{\"id\":\"x\\ud800\"}}";

        var response = await api.Host.SendAsync(HttpMethod.Post, "/graphql", body, "application/json");

        Assert.Equal(400, response.Status);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
    }

    [Theory]
    [InlineData("a\\u0000b")]
    [InlineData("x\\u001b[31m")]
    public async Task a_control_character_in_a_literal_is_400_bad_request_naming_it(string escaped)
    {
        var person = await api.Host.PersonAsync();

        var response = await api.Host.AsAsync(person, $"mutation {{ updateProfile(input: {{ displayName: \"Tester\", bio: \"{escaped}\" }}) {{ errors {{ __typename }} }} }}");

        Assert.True(response.Status == 400, response.Body.ToString());
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        Assert.Contains("control characters", response.Errors[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task tabs_and_line_breaks_are_kept_in_text()
    {
        var person = await api.Host.PersonAsync();

        var payload = await api.Host.MutateAsync(person, "updateProfile", "UpdateProfileInput",
            new { displayName = "Tester", bio = "line one\r\n\tline two" }, "user { bio }");

        Assert.Equal("line one\r\n\tline two", payload.GetProperty("user").GetProperty("bio").GetString());
    }

    [Fact]
    public async Task a_control_character_in_an_id_is_400_bad_request()
    {
        var response = await api.Host.PostGraphQLAsync("query ($id: ID!) { node(id: $id) { id } }", new { id = "\u0000" });

        Assert.Equal(400, response.Status);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task a_date_time_without_an_offset_is_refused_with_a_message_that_says_so(bool asVariable)
    {
        var person = await api.Host.PersonAsync();
        var response = asVariable
            ? await api.Host.AsAsync(person, "mutation ($at: DateTime) { schedulePost(input: { postId: \"x\", at: $at }) { errors { __typename } } }", new { at = "2030-03-29T01:30:00" })
            : await api.Host.AsAsync(person, "mutation { schedulePost(input: { postId: \"x\", at: \"2030-03-29T01:30:00\" }) { errors { __typename } } }");

        Assert.True(response.Status == 400, response.Body.ToString());
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        Assert.Contains("no offset", response.Errors[0].GetProperty("message").GetString());
    }
}

/// <summary>A host whose answers may be at most 2,000 bytes.</summary>
public sealed class SmallResponseFixture : ApiFixture
{
    protected override string Purpose => "smallresponse";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:GraphQL:MaxResponseBytes"] = "2000",
    };
}

public sealed class ResponseSizeTests(SmallResponseFixture api) : IClassFixture<SmallResponseFixture>
{
    [Fact]
    public async Task an_answer_over_max_response_bytes_is_replaced_by_response_too_large()
    {
        var response = await api.Host.PostGraphQLAsync("{ __schema { types { name description } } }");

        Assert.Equal(200, response.Status);
        Assert.Equal(["RESPONSE_TOO_LARGE"], response.ErrorCodes);
        Assert.Equal(JsonValueKind.Null, response.Data.ValueKind);
        Assert.True(response.Raw.Content.Headers.ContentLength < 2000);
    }

    [Fact]
    public async Task an_answer_under_the_limit_is_sent_whole()
    {
        var data = await api.Host.QueryAsync("{ platforms { id } }");

        Assert.Equal(8, data.GetProperty("platforms").GetArrayLength());
    }
}
