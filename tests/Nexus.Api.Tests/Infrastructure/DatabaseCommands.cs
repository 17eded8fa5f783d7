using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Alba;

namespace Nexus.Api.Tests.Infrastructure;

/// <summary>
/// Records the database commands one HTTP request runs, from Npgsql's own tracing: the request carries a trace id of
/// its own (<c>traceparent</c>), and only activities of that trace are sampled, so the background work of the host
/// (the scheduler, projections) and other tests' requests are not counted.
/// </summary>
public sealed class DatabaseCommands : IDisposable
{
    private readonly ActivityTraceId _trace = ActivityTraceId.CreateRandom();
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly ActivityListener _listener;

    public DatabaseCommands()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.TraceId == _trace ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.TraceId == _trace && Text(activity) is { } text)
                {
                    _commands.Enqueue(text);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The SQL of every command the request ran, in the order they ended.</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    /// <summary>Posts a GraphQL request as <paramref name="accessToken"/> within this recorder's trace.</summary>
    public async Task<GraphQLResponse> PostGraphQLAsync(IAlbaHost host, string accessToken, string query, object? variables = null)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query, variables }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", accessToken);
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{_trace}-{ActivitySpanId.CreateRandom()}-01");
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new GraphQLResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
            JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    // Commands carry their SQL; connection opening and other spans of the source do not.
    private static string? Text(Activity activity) =>
        (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string;

    public void Dispose() => _listener.Dispose();
}
