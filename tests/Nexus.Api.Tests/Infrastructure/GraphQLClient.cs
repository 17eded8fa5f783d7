using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Alba;

namespace Nexus.Api.Tests.Infrastructure;

/// <summary>A raw GraphQL-over-HTTP response: status, content type and the parsed body.</summary>
public sealed record GraphQLResponse(int Status, string? ContentType, JsonElement Body, HttpResponseMessage Raw)
{
    public JsonElement Data => Body.GetProperty("data");

    public JsonElement[] Errors => Body.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateArray()] : [];

    public string[] ErrorCodes => [.. Errors.Select(e => e.GetProperty("extensions").GetProperty("code").GetString()!)];
}

public static class GraphQLClient
{
    public const string GraphQLResponseJson = "application/graphql-response+json";

    public static Task<GraphQLResponse> PostGraphQLAsync(this IAlbaHost host, string query, object? variables = null, string? operationName = null) =>
        host.SendAsync(HttpMethod.Post, "/graphql", JsonSerializer.Serialize(new { query, variables, operationName }), "application/json");

    public static async Task<GraphQLResponse> SendAsync(this IAlbaHost host, HttpMethod method, string url, string? body = null,
        string? contentType = null, string? accept = GraphQLResponseJson)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length > 0 && (text[0] == '{' || text[0] == '[') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return new GraphQLResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, json, response);
    }

    /// <summary>Posts a query that must execute without errors and returns its <c>data</c>.</summary>
    public static async Task<JsonElement> QueryAsync(this IAlbaHost host, string query, object? variables = null)
    {
        var response = await host.PostGraphQLAsync(query, variables);
        Assert.True(response.Status == 200, $"HTTP {response.Status}: {response.Body}");
        Assert.True(response.Errors.Length == 0, $"errors: {response.Body}");
        return response.Data;
    }
}
