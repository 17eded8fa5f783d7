using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Transport;
using GraphQLParser.AST;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Limits;
using OpenIddict.Abstractions;
using OpenIddict.Validation;

namespace Nexus.Api.GraphQL.Transport;

/// <summary>
/// One <c>graphql-transport-ws</c> socket: reads and answers messages one at a time (a <c>subscribe</c> is
/// validated and its source stream opened before the next message is read, so a client that sends <c>ping</c> after
/// <c>subscribe</c> and gets <c>pong</c> without an <c>error</c> knows the subscription is running), while events are
/// written from any thread through the bounded <see cref="WebSocketSender"/>.
/// </summary>
internal sealed class GraphQLWebSocketConnection(
    WebSocket socket,
    IDocumentExecuter<NexusSchema> executer,
    IGraphQLTextSerializer serializer,
    IServiceScopeFactory scopes,
    GraphQLOptions options,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());

    private readonly WebSocketSender _sender = new(socket, options.WebSocketSendQueueLimit, GraphQLWebSocketEndpoint.CloseTimeout);
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _ended = new();
    private ClaimsPrincipal _user = Anonymous;
    private string? _accessToken;
    private int _initialised;
    private bool _acknowledged;
    private long _idleSince;

    /// <summary>The caller's address, for rate-limited fields (as HTTP requests put it in the user context).</summary>
    public string? RateLimitClient { get; init; }

    public async Task RunAsync(CancellationToken stopping)
    {
        var sending = _sender.RunAsync();
        using var shutdown = stopping.Register(() => _sender.Close(WebSocketCloseCodes.GoingAway, "Server shutting down"));
        _ = CloseUnlessInitialisedAsync();
        _ = CloseWhenIdleAsync();
        try
        {
            await ReceiveAsync();
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer vanished, or did not finish closing in time.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "GraphQL WebSocket connection failed");
            _sender.Close(WebSocketCloseCodes.InternalServerError, "Internal server error");
        }
        finally
        {
            await _ended.CancelAsync();
            foreach (var id in _operations.Keys)
            {
                if (_operations.TryRemove(id, out var operation))
                {
                    operation.Dispose();
                }
            }

            _sender.Close(WebSocketCloseStatus.NormalClosure, "");
            await sending;
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            buffer.ResetWrittenCount();
            var tooBig = false;
            ValueWebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer.GetMemory(4096), _sender.Aborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    // The client closes (or answers our close): answer and stop.
                    _sender.Close(WebSocketCloseStatus.NormalClosure, "");
                    return;
                }

                buffer.Advance(received.Count);
                if (buffer.WrittenCount > options.MaxRequestBytes)
                {
                    tooBig = true;
                    buffer.ResetWrittenCount();
                }
            }
            while (!received.EndOfMessage);

            if (_sender.IsClosing)
            {
                // Closing: whatever the client still sends is not answered.
                continue;
            }

            if (tooBig)
            {
                Close(WebSocketCloseCodes.MessageTooBig, $"Messages are limited to {options.MaxRequestBytes} bytes");
            }
            else if (received.MessageType != WebSocketMessageType.Text)
            {
                Close(WebSocketCloseCodes.BadRequest, "Messages are JSON text frames");
            }
            else
            {
                await HandleAsync(Encoding.UTF8.GetString(buffer.WrittenSpan));
            }
        }
    }

    private async Task HandleAsync(string text)
    {
        OperationMessage? message;
        try
        {
            message = serializer.Deserialize<OperationMessage>(text);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            message = null;
        }

        switch (message?.Type)
        {
            case null:
                Close(WebSocketCloseCodes.BadRequest, "Invalid message: expected a JSON object with a `type`");
                break;
            case MessageTypes.ConnectionInit:
                await InitialiseAsync(message);
                break;
            case MessageTypes.Ping:
                Send(new OperationMessage { Type = MessageTypes.Pong });
                break;
            case MessageTypes.Pong:
                break;
            case MessageTypes.Subscribe:
                await SubscribeAsync(message);
                break;
            case MessageTypes.Complete:
                if (!Volatile.Read(ref _acknowledged))
                {
                    Close(WebSocketCloseCodes.Unauthorized, "Unauthorized");
                }
                else if (message.Id is not null && _operations.TryRemove(message.Id, out var operation))
                {
                    operation.Dispose();
                    MarkIdleIfUnused();
                }

                break;
            default:
                Close(WebSocketCloseCodes.BadRequest, "Invalid message type");
                break;
        }
    }

    private async Task InitialiseAsync(OperationMessage message)
    {
        if (Interlocked.Exchange(ref _initialised, 1) != 0)
        {
            Close(WebSocketCloseCodes.TooManyInitialisationRequests, "Too many initialisation requests");
            return;
        }

        string? authorization = null;
        if (message.Payload is JsonElement payload && payload.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            if (payload.ValueKind != JsonValueKind.Object)
            {
                Close(WebSocketCloseCodes.BadRequest, "Invalid message: the connection_init payload must be an object");
                return;
            }

            if (payload.TryGetProperty("authorization", out var value) || payload.TryGetProperty("Authorization", out value))
            {
                authorization = value.ValueKind == JsonValueKind.String ? value.GetString() : "";
            }
        }

        if (authorization is not null)
        {
            // As on HTTP, a token that was sent but does not validate is an error, never a quiet downgrade to anonymous.
            const string Bearer = "Bearer ";
            var token = authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? authorization[Bearer.Length..].Trim() : "";
            if (token.Length == 0 || await ValidateAsync(token) is not { } user)
            {
                Close(WebSocketCloseCodes.Forbidden, "Forbidden");
                return;
            }

            (_user, _accessToken) = (user, token);
            if (user.GetExpirationDate() is { } expires)
            {
                _ = CloseWhenExpiredAsync(expires);
            }
        }

        Volatile.Write(ref _acknowledged, true);
        Send(new OperationMessage { Type = MessageTypes.ConnectionAck });
    }

    private async Task SubscribeAsync(OperationMessage message)
    {
        if (!Volatile.Read(ref _acknowledged))
        {
            Close(WebSocketCloseCodes.Unauthorized, "Unauthorized");
            return;
        }

        GraphQLRequest? request = null;
        try
        {
            request = message.Payload is null ? null : serializer.ReadNode<GraphQLRequest>(message.Payload);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            // Answered below.
        }

        if (string.IsNullOrEmpty(message.Id) || string.IsNullOrWhiteSpace(request?.Query))
        {
            Close(WebSocketCloseCodes.BadRequest, "Invalid message: subscribe needs an id and a payload with a query");
            return;
        }

        var operation = new Operation(message.Id);
        if (!_operations.TryAdd(message.Id, operation))
        {
            Close(WebSocketCloseCodes.SubscriberAlreadyExists, Truncate($"Subscriber for {message.Id} already exists"));
            return;
        }

        if (_operations.Count > options.MaxSubscriptionsPerConnection)
        {
            Fail(operation, new RequestRejectedError(ErrorCodes.TooManySubscriptions,
                $"At most {options.MaxSubscriptionsPerConnection} subscriptions may be active on one connection; complete one first."));
            return;
        }

        // Tokens are checked against the store, so a sign-out or revocation stops new subscriptions at once.
        if (_accessToken is not null && await ValidateAsync(_accessToken) is null)
        {
            Close(WebSocketCloseCodes.Forbidden, "Forbidden");
            return;
        }

        await ExecuteAsync(operation, request);
    }

    private async Task ExecuteAsync(Operation operation, GraphQLRequest request)
    {
        if (GraphQLHttpEndpoint.TryParse(request.Query!, out var document) is { } unparsable)
        {
            Fail(operation, unparsable);
            return;
        }

        if (GraphQLHttpEndpoint.SelectOperation(document, request.OperationName) is { Operation: not OperationType.Subscription })
        {
            Fail(operation, new BadRequestError("Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql."));
            return;
        }

        // A scope for the checks made when subscribing; each event gets a scope of its own.
        await using var scope = scopes.CreateAsyncScope();
        ExecutionResult result;
        try
        {
            result = await executer.ExecuteAsync(new ExecutionOptions
            {
                Query = request.Query,
                Document = document,
                Variables = request.Variables,
                Extensions = request.Extensions,
                OperationName = request.OperationName,
                RequestServices = scope.ServiceProvider,
                User = _user,
                UserContext = new Dictionary<string, object?> { [RateLimitedField.ClientKey] = RateLimitClient },
                CancellationToken = operation.Cancellation,
            });
        }
        catch (OperationCanceledException) when (operation.Cancellation.IsCancellationRequested)
        {
            return;
        }

        if (result.Streams is { Count: 1 } streams && result.Errors is not { Count: > 0 })
        {
            operation.Subscription = streams.Values.Single().Subscribe(new Observer(this, operation));
        }
        else
        {
            Fail(operation, result.Errors is { Count: > 0 } errors ? [.. errors] : [new BadRequestError("The operation did not start.")]);
        }
    }

    private void Fail(Operation operation, params ExecutionError[] errors)
    {
        if (_operations.TryRemove(new KeyValuePair<string, Operation>(operation.Id, operation)))
        {
            operation.Dispose();
            MarkIdleIfUnused();
            Send(new OperationMessage { Id = operation.Id, Type = MessageTypes.Error, Payload = errors });
        }
    }

    private async Task<ClaimsPrincipal?> ValidateAsync(string token)
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            var principal = await scope.ServiceProvider.GetRequiredService<OpenIddictValidationService>().ValidateAccessTokenAsync(token, _ended.Token);
            return principal.Identity?.IsAuthenticated == true ? principal : new ClaimsPrincipal(new ClaimsIdentity(principal.Claims, "Bearer"));
        }
        catch (OpenIddictExceptions.ProtocolException ex)
        {
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("A WebSocket access token was refused: {Error}", ex.Error);
            }

            return null;
        }
    }

    /// <summary>
    /// Closes the socket (4408) once it has had no active subscription for <c>WebSocketIdleTimeout</c>: an idle
    /// socket still holds memory and a keep-alive, and a client opens a new one when it subscribes again.
    /// </summary>
    private async Task CloseWhenIdleAsync()
    {
        MarkIdleIfUnused();
        try
        {
            while (true)
            {
                var idleFor = _operations.IsEmpty ? time.GetUtcNow().UtcTicks - Interlocked.Read(ref _idleSince) : 0;
                var remaining = options.WebSocketIdleTimeout - TimeSpan.FromTicks(idleFor);
                if (_operations.IsEmpty && remaining <= TimeSpan.Zero)
                {
                    Close(WebSocketCloseCodes.ConnectionInitialisationTimeout, "Idle: no active subscription");
                    return;
                }

                await Task.Delay(remaining > TimeSpan.Zero ? remaining : options.WebSocketIdleTimeout, time, _ended.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Starts the idle clock when the last subscription ends (or before the first one starts).</summary>
    private void MarkIdleIfUnused()
    {
        if (_operations.IsEmpty)
        {
            Interlocked.Exchange(ref _idleSince, time.GetUtcNow().UtcTicks);
        }
    }

    private async Task CloseUnlessInitialisedAsync()
    {
        try
        {
            await Task.Delay(options.WebSocketInitTimeout, time, _ended.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (Volatile.Read(ref _initialised) == 0)
        {
            Close(WebSocketCloseCodes.ConnectionInitialisationTimeout, "Connection initialisation timeout");
        }
    }

    private async Task CloseWhenExpiredAsync(DateTimeOffset expires)
    {
        var wait = expires - time.GetUtcNow();
        try
        {
            await Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : wait, time, _ended.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // The client reconnects with a fresh token; a long-lived socket must not outlive the sign-in it was opened with.
        Close(WebSocketCloseCodes.Forbidden, "Forbidden: the access token expired");
    }

    private void Close(WebSocketCloseStatus status, string reason)
    {
        if (_sender.Close(status, reason) && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Closing GraphQL WebSocket: {Status} {Reason}", (int)status, reason);
        }
    }

    private void StreamFailed(Operation operation, Exception error)
    {
        if (error is not ExecutionError executionError)
        {
            logger.LogError(error, "Subscription {Id} failed", operation.Id);
            executionError = new UnhandledError("The subscription failed.", error);
        }

        Fail(operation, executionError);
    }

    public void Dispose()
    {
        _ended.Dispose();
        _sender.Dispose();
    }

    private void Send(OperationMessage message) => _sender.TrySend(Encoding.UTF8.GetBytes(serializer.Serialize(message)));

    private static string Truncate(string reason) =>
        Encoding.UTF8.GetByteCount(reason) <= 123 ? reason : reason[..Math.Min(reason.Length, 100)] + "…";

    private static class MessageTypes
    {
        public const string ConnectionInit = "connection_init";
        public const string ConnectionAck = "connection_ack";
        public const string Ping = "ping";
        public const string Pong = "pong";
        public const string Subscribe = "subscribe";
        public const string Next = "next";
        public const string Error = "error";
        public const string Complete = "complete";
    }

    /// <summary>An active subscription: its id, source-stream subscription and cancellation.</summary>
    private sealed class Operation : IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new();
        private IDisposable? _subscription;
        private int _ended;

        public Operation(string id) => (Id, Cancellation) = (id, _cancellation.Token);

        public string Id { get; }

        public CancellationToken Cancellation { get; }

        public IDisposable? Subscription
        {
            set
            {
                _subscription = value;
                // Ended while subscribing (the socket closed): do not leave the source stream attached.
                if (Volatile.Read(ref _ended) != 0)
                {
                    Interlocked.Exchange(ref _subscription, null)?.Dispose();
                }
            }
        }

        private void End()
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return;
            }

            _cancellation.Cancel();
            Interlocked.Exchange(ref _subscription, null)?.Dispose();
        }

        public void Dispose()
        {
            End();
            _cancellation.Dispose();
        }
    }

    /// <summary>Turns one subscription's stream into <c>next</c>, <c>error</c> and <c>complete</c> messages, in order.</summary>
    private sealed class Observer(GraphQLWebSocketConnection connection, Operation operation) : IObserver<ExecutionResult>
    {
        public void OnNext(ExecutionResult value)
        {
            if (connection._operations.TryGetValue(operation.Id, out var active) && ReferenceEquals(active, operation))
            {
                connection.Send(new OperationMessage { Id = operation.Id, Type = MessageTypes.Next, Payload = value });
            }
        }

        public void OnError(Exception error) => connection.StreamFailed(operation, error);

        public void OnCompleted()
        {
            if (connection._operations.TryRemove(new KeyValuePair<string, Operation>(operation.Id, operation)))
            {
                operation.Dispose();
                connection.MarkIdleIfUnused();
                connection.Send(new OperationMessage { Id = operation.Id, Type = MessageTypes.Complete });
            }
        }
    }
}
