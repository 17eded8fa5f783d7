using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
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

        GraphQLDocument document;
        try
        {
            document = Parser.Parse(request.Query);
        }
        catch (GraphQLSyntaxErrorException ex)
        {
            await WriteTransportErrorAsync(http, StatusCodes.Status400BadRequest, media, $"Syntax error: {ex.Description} at line {ex.Location.Line}, column {ex.Location.Column}.");
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

        var result = await executer.ExecuteAsync(new ExecutionOptions
        {
            Query = request.Query,
            Document = document,
            Variables = request.Variables,
            Extensions = request.Extensions,
            OperationName = request.OperationName,
            RequestServices = http.RequestServices,
            User = http.User,
            UserContext = new Dictionary<string, object?> { [RateLimitedField.ClientKey] = NexusRateLimiter.ClientOf(http) },
            CancellationToken = http.RequestAborted,
        });

        http.Response.StatusCode = result.Executed ? StatusCodes.Status200OK
            : result.Errors?.Any(e => e.Code == ErrorCodes.Unauthenticated) == true ? StatusCodes.Status401Unauthorized
            : StatusCodes.Status400BadRequest;
        if (result.Errors?.OfType<RateLimitedError>().FirstOrDefault() is { } limited)
        {
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = NexusRateLimiter.RetryAfterSeconds(limited.RetryAfter);
        }
        http.Response.ContentType = media + "; charset=utf-8";
        await serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
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
