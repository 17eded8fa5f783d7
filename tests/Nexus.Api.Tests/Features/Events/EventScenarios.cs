using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Alba;
using Nexus.Api.Features.EventStreams.Export;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Events;

/// <summary>A workspace with events in each kind of stream: its own (members invited), a connection's and a post's.</summary>
public sealed record EventfulWorkspace(Person Owner, string Workspace, string Connection, string Post, string InvitedEmail);

/// <summary>One line of the export (an edge of <c>Workspace.events</c>).</summary>
public sealed record ExportedEvent(string Cursor, long Sequence, string Id, string StreamId, string Type, long Version, string Timestamp, JsonElement Data);

public sealed record ExportAnswer(HttpStatusCode Status, HttpResponseMessage Response, string Body, IReadOnlyList<ExportedEvent> Events);

public static class EventScenarios
{
    public static async Task<EventfulWorkspace> EventfulWorkspaceAsync(this IAlbaHost host, string name)
    {
        var owner = await host.PersonAsync(name);
        var workspace = await host.CreateWorkspaceAsync(owner, name);
        var invited = $"invited-{Guid.NewGuid():N}@example.com";
        await host.InviteAsync(owner, workspace, invited, "VIEWER");
        var connection = await host.ConnectSandboxAsync(owner, workspace);
        var post = await host.DraftAsync(owner, workspace, $"{name} says hello", connection);
        return new EventfulWorkspace(owner, workspace, connection, post, invited);
    }

    public static string ExportQuery(string workspace, string? after = null, string? types = null, string? from = null, string? to = null) =>
        $"?workspaceId={Uri.EscapeDataString(workspace)}" +
        (after is null ? "" : "&after=" + Uri.EscapeDataString(after)) +
        (types is null ? "" : "&types=" + Uri.EscapeDataString(types)) +
        (from is null ? "" : "&from=" + Uri.EscapeDataString(from)) +
        (to is null ? "" : "&to=" + Uri.EscapeDataString(to));

    public static async Task<ExportAnswer> ExportAsync(this IAlbaHost host, string? token, string query, bool gzip = false)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, EventExport.Path + query);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (gzip)
        {
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        }

        var response = await client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (response.Content.Headers.ContentEncoding.Contains("gzip"))
        {
            await using var unzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            await unzip.CopyToAsync(plain);
            bytes = plain.ToArray();
        }

        var body = System.Text.Encoding.UTF8.GetString(bytes);
        var events = response.StatusCode == HttpStatusCode.OK
            ? body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => Edge(JsonDocument.Parse(line).RootElement.Clone())).ToList()
            : [];
        return new ExportAnswer(response.StatusCode, response, body, events);
    }

    /// <summary>An edge (<c>{ cursor node { … } }</c>) of the query, the export or the subscription.</summary>
    public static ExportedEvent Edge(JsonElement edge)
    {
        var node = edge.GetProperty("node");
        return new ExportedEvent(edge.GetProperty("cursor").GetString()!, node.GetProperty("sequence").GetInt64(), node.GetProperty("id").GetString()!,
            node.GetProperty("streamId").GetString()!, node.GetProperty("type").GetString()!, node.GetProperty("version").GetInt64(),
            node.GetProperty("timestamp").GetString()!, node.GetProperty("data"));
    }

    /// <summary>Exports until the index holds an event that <paramref name="done"/> accepts (the index runs asynchronously).</summary>
    public static async Task<IReadOnlyList<ExportedEvent>> IndexedAsync(this IAlbaHost host, Person person, string workspace, Func<IReadOnlyList<ExportedEvent>, bool> done)
    {
        IReadOnlyList<ExportedEvent> events = [];
        await Eventually.TrueAsync(async () =>
        {
            var answer = await host.ExportAsync(person.Token, ExportQuery(workspace));
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            events = answer.Events;
            return done(events);
        }, "The workspace's events were not indexed in time.", TimeSpan.FromSeconds(30));
        return events;
    }
}
