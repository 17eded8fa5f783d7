using System.Buffers;
using System.IO.Compression;
using System.Security.Claims;
using System.Text.Json;
using Marten;
using Microsoft.Net.Http.Headers;
using Nexus.Api.Features.Apps;
using Nexus.Api.Features.EventStreams.Index;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;
using OpenIddict.Abstractions;

namespace Nexus.Api.Features.EventStreams.Export;

/// <summary>
/// <c>GET /events/export?workspaceId=&amp;after=&amp;types=&amp;from=&amp;to=</c>: a workspace's events as NDJSON, one
/// edge of <c>Workspace.events</c> per line (<c>{"cursor":…,"node":{…}}</c>), in sequence order from the cursor to the
/// end of the index, for ranges too large for GraphQL. Every line carries its cursor: a client that loses the
/// connection resumes with the last line it read, and after the last line follows on with <c>eventsAppended</c>.
/// Written page by page as the database reads them (constant memory), gzip-compressed when the client accepts gzip.
/// The access of <c>Workspace.events</c>: ADMIN, and for an app's token the <c>events:read</c> scope and its own
/// workspace.
/// </summary>
public static class EventExport
{
    public const string Path = "/events/export";
    public const string ContentType = "application/x-ndjson";

    // Rows per query: large enough that the round trips do not count, small enough that no query holds a snapshot long.
    private const int Page = 2000;

    private const int Chunk = 32 * 1024;

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public static IEndpointRouteBuilder MapEventExport(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ExportAsync);
        return app;
    }

    private static async Task ExportAsync(HttpContext http, IQuerySession session, IDocumentStore store, NpgsqlDataSource database)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (await BearerEndpoints.RefusedAnonymousAsync(http))
        {
            return;
        }

        ExportRequest request;
        try
        {
            request = Parse(http.Request.Query, store);
        }
        catch (BadRequestError ex)
        {
            await BearerEndpoints.RefuseAsync(http, StatusCodes.Status400BadRequest, "bad_request", ex.Message);
            return;
        }

        if (await EventsAccess.CheckAsync(http.User, request.WorkspaceId, session, http.RequestAborted) is { } refusal)
        {
            if (refusal.Status == StatusCodes.Status403Forbidden && refusal.Error == "insufficient_scope")
            {
                http.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{AppScope.EventsRead}\"";
            }

            await BearerEndpoints.RefuseAsync(http, refusal.Status, refusal.Error, refusal.Message);
            return;
        }

        http.Response.ContentType = ContentType + "; charset=utf-8";
        http.Response.Headers.Vary = HeaderNames.AcceptEncoding;
        var gzip = AcceptsGzip(http.Request);
        if (gzip)
        {
            http.Response.Headers.ContentEncoding = "gzip";
        }

        await using var body = gzip ? new GZipStream(http.Response.Body, CompressionLevel.Fastest, leaveOpen: true) : null;
        var output = (Stream?)body ?? http.Response.Body;
        // Lines are gathered in a buffer and written in chunks: one write per event would be a write per event through
        // gzip and the response.
        var buffer = new ArrayBufferWriter<byte>(Chunk + 4096);
        await using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        var after = request.After;
        while (true)
        {
            var rows = 0;
            await foreach (var e in WorkspaceEventReader.ReadAsync(database, request.WorkspaceId, after, request.Filter, Page, http.RequestAborted))
            {
                WorkspaceEventReader.WriteEdge(writer, e);
                writer.Flush();
                writer.Reset();
                buffer.Write(NewLine);
                if (buffer.WrittenCount >= Chunk)
                {
                    await output.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
                    buffer.ResetWrittenCount();
                }

                after = e.Sequence;
                rows++;
            }

            await output.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
            buffer.ResetWrittenCount();
            await output.FlushAsync(http.RequestAborted);
            if (rows < Page)
            {
                break;
            }
        }
    }

    /// <summary>Whether <c>Accept-Encoding</c> lists gzip (or <c>*</c>) with a quality above zero.</summary>
    internal static bool AcceptsGzip(HttpRequest request) =>
        StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptEncoding, out var encodings) &&
        encodings.Any(e => (e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || e.Value.Equals("*", StringComparison.Ordinal)) && (e.Quality ?? 1) > 0);

    private sealed record ExportRequest(Guid WorkspaceId, long After, EventFilter Filter);

    private static ExportRequest Parse(IQueryCollection query, IDocumentStore store)
    {
        var workspaceId = WorkspaceAccess.ParseWorkspaceId(query["workspaceId"]);
        var after = EventCursor.Decode(query["after"]);
        string[]? types = query["types"].ToString() is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : null;
        return new ExportRequest(workspaceId, after, EventFilter.Create(types, Instant(query["from"], "from"), Instant(query["to"], "to"), store));
    }

    private static DateTimeOffset? Instant(string? text, string name) =>
        string.IsNullOrEmpty(text) ? null
        : DateTimeScalar.TryParseInstant(text, out var instant) ? instant
        : throw new BadRequestError($"`{name}` is an ISO-8601 instant with an offset, e.g. 2027-05-01T00:00:00Z.");
}

/// <summary>
/// Who may read a workspace's event streams outside GraphQL (where <c>RequireWorkspaceRole</c> and the field's scope do
/// it): an ADMIN of the workspace; through an app's token also only with <c>events:read</c> and only the workspace the
/// token is bound to. An app acting for itself (client credentials, no person) reaches its own workspace with its
/// scopes. Unknown workspaces and outsiders get one answer (404), so nothing tells that a workspace exists.
/// </summary>
public static class EventsAccess
{
    public const Role Least = Role.Admin;

    public sealed record Refusal(int Status, string Error, string Message);

    public static async Task<Refusal?> CheckAsync(ClaimsPrincipal user, Guid workspaceId, IQuerySession session, CancellationToken ct)
    {
        if (user.IsApp())
        {
            if (!user.HasScope(AppScope.EventsRead))
            {
                return new(StatusCodes.Status403Forbidden, "insufficient_scope", $"This app's token was not granted the `{AppScope.EventsRead}` scope.");
            }

            if (user.BoundWorkspace() != workspaceId)
            {
                return new(StatusCodes.Status403Forbidden, "forbidden", "This app's token is for another workspace.");
            }

            if (ActsAlone(user))
            {
                return null;
            }
        }

        var workspace = await session.LoadAsync<Workspace>(workspaceId, ct);
        var role = workspace?.RoleOf(user.UserId());
        return role is null
            ? new(StatusCodes.Status404NotFound, "not_found", "This workspace does not exist or you are not a member of it.")
            : role < Least
                ? new(StatusCodes.Status403Forbidden, "forbidden", $"The event streams need the {Least.ToString().ToUpperInvariant()} role in the workspace; you are {role.Value.ToString().ToUpperInvariant()}.")
                : null;
    }

    // Client credentials: the token's subject is the app's client id, not a person.
    private static bool ActsAlone(ClaimsPrincipal user) =>
        user.GetClaim(OpenIddictConstants.Claims.Subject) is { } subject && subject == user.GetClaim(OpenIddictConstants.Claims.ClientId);
}
