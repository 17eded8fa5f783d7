using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Limits;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Identity;

namespace Nexus.Api.GraphQL.Transport;

/// <summary>
/// GraphQL over HTTP (the GraphQL-over-HTTP draft): POST with a JSON body, GET with query parameters for queries
/// only, <c>application/graphql-response+json</c> or, when the client asks only for it, <c>application/json</c>.
/// Requests that never execute (unparsable, invalid, wrong variables) answer 400; executed ones 200.
/// </summary>
public sealed class GraphQLHttpEndpoint(
    IDocumentExecuter<NexusSchema> executer,
    IGraphQLTextSerializer serializer,
    IOptions<GraphQLOptions> options,
    ILogger<GraphQLHttpEndpoint> logger)
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    private const string Json = "application/json";
    private readonly GraphQLOptions _options = options.Value;

    public async Task HandleAsync(HttpContext http)
    {
        var media = NegotiateMediaType(http.Request);
        if (media is null)
        {
            await WriteTransportErrorAsync(http, StatusCodes.Status406NotAcceptable, Json,
                $"Accept {GraphQLResponseJson} or {Json}.");
            return;
        }

        // A sound token not granted the API scope: RFC 6750's 403 insufficient_scope (the one place that refuses
        // it is the token validation, see ApiScope).
        if (http.Request.Headers.Authorization.Count > 0 && http.User.Identity?.IsAuthenticated != true && ApiScope.WasMissing(http))
        {
            http.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{AuthOptions.ApiScope}\"";
            await WriteErrorAsync(http, StatusCodes.Status403Forbidden, media, new RequestRejectedError(ErrorCodes.Forbidden, ApiScope.Description));
            return;
        }

        // A token that was sent but did not validate (expired, tampered, revoked, wrong audience) is an error,
        // never a silent downgrade to anonymous.
        if (http.Request.Headers.Authorization.Count > 0 && http.User.Identity?.IsAuthenticated != true)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            await WriteErrorAsync(http, StatusCodes.Status401Unauthorized, media,
                new RequestRejectedError(ErrorCodes.Unauthenticated, "The access token is invalid or expired; sign in again."));
            return;
        }

        GraphQLRequest? request;
        if (HttpMethods.IsPost(http.Request.Method))
        {
            request = await ReadPostAsync(http, media);
        }
        else if (HttpMethods.IsGet(http.Request.Method))
        {
            request = await ReadGetAsync(http, media);
        }
        else
        {
            http.Response.Headers.Allow = "GET, POST";
            await WriteTransportErrorAsync(http, StatusCodes.Status405MethodNotAllowed, media, "Use GET or POST.");
            return;
        }

        if (request is null)
        {
            return;
        }

        if (TryParse(request.Query!, out var document) is { } unparsable)
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, media, unparsable);
            return;
        }

        if (HttpMethods.IsGet(http.Request.Method) && SelectOperation(document, request.OperationName)?.Operation is OperationType.Mutation or OperationType.Subscription)
        {
            http.Response.Headers.Allow = "POST";
            await WriteTransportErrorAsync(http, StatusCodes.Status405MethodNotAllowed, media, "Mutations and subscriptions cannot be sent with GET; use POST.");
            return;
        }

        if (SelectOperation(document, request.OperationName)?.Operation is OperationType.Subscription)
        {
            await WriteTransportErrorAsync(http, StatusCodes.Status400BadRequest, media,
                $"Subscriptions are served over WebSocket at {GraphQLEndpoints.Path} (subprotocol {GraphQLWebSocketEndpoint.SubProtocol}).");
            return;
        }

        var userContext = new Dictionary<string, object?> { [RateLimitedField.ClientKey] = NexusRateLimiter.ClientOf(http) };
        var result = await executer.ExecuteAsync(new ExecutionOptions
        {
            Query = request.Query,
            Document = document,
            Variables = request.Variables,
            Extensions = request.Extensions,
            OperationName = request.OperationName,
            RequestServices = http.RequestServices,
            User = http.User,
            UserContext = userContext,
            CancellationToken = http.RequestAborted,
        });

        http.Response.StatusCode = result.Executed ? StatusCodes.Status200OK
            : result.Errors?.Any(e => e.Code == ErrorCodes.Unauthenticated) == true ? StatusCodes.Status401Unauthorized
            : result.Errors?.Any(e => e.Code == ErrorCodes.Forbidden) == true ? StatusCodes.Status403Forbidden
            : StatusCodes.Status400BadRequest;
        // An app's token refused by ScopeRule for a scope it lacks: RFC 6750's answer, naming the scope.
        if (!result.Executed && userContext.TryGetValue(ScopeRule.MissingScopeKey, out var scope))
        {
            http.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"";
        }

        if (result.Errors?.OfType<RateLimitedError>().FirstOrDefault() is { } limited)
        {
            http.Response.StatusCode = limited.Unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = NexusRateLimiter.RetryAfterSeconds(limited.RetryAfter);
        }
        http.Response.ContentType = media + "; charset=utf-8";
        await WriteBoundedAsync(http, result);
    }

    /// <summary>
    /// Parses a document; a syntax error is <c>BAD_REQUEST</c>, nesting beyond the parser's own depth limit (which
    /// keeps recursion off the stack's edge, far beyond <c>MaxDepth</c>) is <c>MAX_DEPTH</c>.
    /// </summary>
    internal static ExecutionError? TryParse(string query, out GraphQLDocument document)
    {
        document = null!;
        try
        {
            document = Parser.Parse(query);
            return null;
        }
        catch (GraphQLSyntaxErrorException ex)
        {
            return new BadRequestError($"Syntax error: {ex.Description} at line {ex.Location.Line}, column {ex.Location.Column}.");
        }
        catch (GraphQLMaxDepthExceededException)
        {
            return new RequestRejectedError(ErrorCodes.MaxDepth, "The document is nested too deeply (selections, lists or objects) to be read.");
        }
    }

    /// <summary>
    /// Serializes into a buffer of at most <c>MaxResponseBytes</c>, so an answer that grows past it is never streamed
    /// nor held whole: it is dropped and replaced by <c>RESPONSE_TOO_LARGE</c>.
    /// </summary>
    private async Task WriteBoundedAsync(HttpContext http, ExecutionResult result)
    {
        using var buffer = new BoundedBufferStream(_options.MaxResponseBytes);
        try
        {
            await serializer.WriteAsync(buffer, result, http.RequestAborted);
        }
        catch (ResponseTooLargeException)
        {
            logger.LogWarning("A GraphQL answer exceeded {MaxResponseBytes} bytes and was replaced by RESPONSE_TOO_LARGE", _options.MaxResponseBytes);
            buffer.SetLength(0);
            // The request did execute (a mutation's effects stand), so this stays a 200 with data null, like any
            // execution error that reaches the root.
            var refused = new ExecutionResult { Executed = true };
            refused.AddError(new RequestRejectedError(ErrorCodes.ResponseTooLarge,
                $"The answer is larger than {_options.MaxResponseBytes} bytes; ask for fewer fields, items or aliases."));
            await serializer.WriteAsync(buffer, refused, http.RequestAborted);
        }

        http.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(http.Response.Body, http.RequestAborted);
    }

    private async Task<GraphQLRequest?> ReadPostAsync(HttpContext http, string media)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType) ||
            !contentType.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase))
        {
            await WriteTransportErrorAsync(http, StatusCodes.Status415UnsupportedMediaType, media, $"Send the request as {Json}.");
            return null;
        }

        if (http.Request.ContentLength > _options.MaxRequestBytes)
        {
            await WriteTooLargeAsync(http, media);
            return null;
        }

        // Bound reading too: a chunked body carries no Content-Length.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _options.MaxRequestBytes;
        }

        try
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            body.Position = 0;
            var trimmed = SkipWhitespace(body);
            if (trimmed == '[')
            {
                await WriteTransportErrorAsync(http, StatusCodes.Status400BadRequest, media, "Batched requests are not supported.");
                return null;
            }

            var request = await serializer.ReadAsync<GraphQLRequest>(body, http.RequestAborted);
            return await RequireQueryAsync(http, media, request);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteTooLargeAsync(http, media);
            return null;
        }
        catch (JsonException ex)
        {
            logger.LogDebug(ex, "Unreadable GraphQL request body");
            await WriteTransportErrorAsync(http, StatusCodes.Status400BadRequest, media, "The body is not a valid GraphQL request: expected a JSON object with `query`, `variables` and `operationName`.");
            return null;
        }
    }

    private async Task<GraphQLRequest?> ReadGetAsync(HttpContext http, string media)
    {
        if (http.Request.QueryString.Value?.Length > _options.MaxRequestBytes)
        {
            await WriteTooLargeAsync(http, media);
            return null;
        }

        var query = http.Request.Query;
        var request = new GraphQLRequest
        {
            Query = query["query"].ToString(),
            OperationName = query.TryGetValue("operationName", out var name) && !string.IsNullOrEmpty(name) ? name.ToString() : null,
        };

        try
        {
            if (query.TryGetValue("variables", out var variables) && !string.IsNullOrEmpty(variables))
            {
                request.Variables = serializer.Deserialize<Inputs>(variables.ToString());
            }

            if (query.TryGetValue("extensions", out var extensions) && !string.IsNullOrEmpty(extensions))
            {
                request.Extensions = serializer.Deserialize<Inputs>(extensions.ToString());
            }
        }
        catch (JsonException)
        {
            await WriteTransportErrorAsync(http, StatusCodes.Status400BadRequest, media, "`variables` and `extensions` must be JSON objects.");
            return null;
        }

        return await RequireQueryAsync(http, media, request);
    }

    private async Task<GraphQLRequest?> RequireQueryAsync(HttpContext http, string media, GraphQLRequest? request)
    {
        if (string.IsNullOrWhiteSpace(request?.Query))
        {
            await WriteTransportErrorAsync(http, StatusCodes.Status400BadRequest, media, "The request has no `query`.");
            return null;
        }

        return request;
    }

    private Task WriteTooLargeAsync(HttpContext http, string media) =>
        WriteTransportErrorAsync(http, StatusCodes.Status413PayloadTooLarge, media, $"The request is larger than {_options.MaxRequestBytes} bytes.");

    private Task WriteTransportErrorAsync(HttpContext http, int status, string media, string message) =>
        WriteErrorAsync(http, status, media, new BadRequestError(message));

    private async Task WriteErrorAsync(HttpContext http, int status, string media, ExecutionError error)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = media + "; charset=utf-8";
        var result = new ExecutionResult { Executed = false };
        result.AddError(error);
        await serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
    }

    /// <summary>
    /// Picks the response type: <c>application/graphql-response+json</c> unless the client accepts only
    /// <c>application/json</c>; null when it accepts neither.
    /// </summary>
    internal static string? NegotiateMediaType(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        if (accept.Count == 0)
        {
            return GraphQLResponseJson;
        }

        string? best = null;
        double bestQuality = 0;
        foreach (var value in accept)
        {
            var quality = value.Quality ?? 1;
            if (quality <= 0)
            {
                continue;
            }

            var candidate = value.MediaType.Value?.ToLowerInvariant() switch
            {
                GraphQLResponseJson or "application/*" or "*/*" => GraphQLResponseJson,
                Json => Json,
                _ => null,
            };
            if (candidate is not null && (quality > bestQuality || (quality == bestQuality && candidate == GraphQLResponseJson)))
            {
                (best, bestQuality) = (candidate, quality);
            }
        }

        return best;
    }

    internal static GraphQLOperationDefinition? SelectOperation(GraphQLDocument document, string? operationName)
    {
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        return operationName is null
            ? operations.Count == 1 ? operations[0] : null
            : operations.FirstOrDefault(o => o.Name?.StringValue == operationName);
    }

    private sealed class ResponseTooLargeException : IOException;

    /// <summary>A memory stream that refuses to grow beyond a limit.</summary>
    private sealed class BoundedBufferStream(int limit) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            Reserve(count);
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Reserve(buffer.Length);
            base.Write(buffer);
        }

        public override void WriteByte(byte value)
        {
            Reserve(1);
            base.WriteByte(value);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Reserve(count);
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reserve(buffer.Length);
            return base.WriteAsync(buffer, cancellationToken);
        }

        private void Reserve(int count)
        {
            if (Length + count > limit)
            {
                throw new ResponseTooLargeException();
            }
        }
    }

    private static int SkipWhitespace(MemoryStream body)
    {
        var buffer = body.GetBuffer();
        for (var i = 0; i < body.Length; i++)
        {
            if (!char.IsWhiteSpace((char)buffer[i]))
            {
                return buffer[i];
            }
        }

        return -1;
    }
}
