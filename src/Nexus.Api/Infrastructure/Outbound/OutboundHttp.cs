using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Infrastructure.Outbound;

/// <summary>
/// The one way Nexus requests a URL a user gave (media to download for an upload; webhook endpoints and media
/// imports next). Unlike a plain <see cref="HttpClient"/> it:
/// <list type="bullet">
/// <item>resolves the host itself and connects only to addresses <see cref="IOutboundAddressPolicy"/> allows
/// (public unicast unless <see cref="OutboundOptions.AllowPrivateAddresses"/>), to the very address it checked, so a
/// second DNS answer cannot swap in another (no DNS rebinding);</item>
/// <item>follows at most <see cref="OutboundOptions.MaxRedirects"/> redirects itself, http and https only, never
/// from https to http, each hop's address checked like the first (every connection goes through the check);</item>
/// <item>bounds the body (<see cref="OutboundOptions.MaxResponseBytes"/>, counted while it streams, whatever
/// <c>Content-Length</c> says) and the whole request, body included (<see cref="OutboundOptions.Timeout"/>);</item>
/// <item>uses no proxy, no cookies, no decompression, and logs no URL (they can be signed).</item>
/// </list>
/// Every refusal is an <see cref="OutboundException"/> thrown before anything is sent to the refused address.
/// Register with <see cref="OutboundHttpSetup.AddOutboundHttp"/> and inject <see cref="OutboundHttp"/>.
/// </summary>
public sealed class OutboundHttp(HttpClient http, IOptions<OutboundOptions> options)
{
    /// <summary>
    /// GETs <paramref name="url"/>, following redirects. The answer's headers are read; its content streams, bounded
    /// by the size limit and the remaining time (reading past either throws <see cref="OutboundException"/>).
    /// Whatever the status, the caller disposes the answer.
    /// </summary>
    public Task<HttpResponseMessage> GetAsync(Uri url, OutboundLimits? limits, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, url), limits, cancellationToken);

    /// <summary>
    /// Sends <paramref name="request"/> (which this disposes). Redirects are followed for GET and HEAD only, without
    /// the request's headers when they lead to another origin; for other methods a redirect is returned as is.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, OutboundLimits? limits, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var maxBytes = limits?.MaxBytes is { } max && max < settings.MaxResponseBytes ? max : settings.MaxResponseBytes;
        var timeout = limits?.Timeout is { } time && time < settings.Timeout ? time : settings.Timeout;
        var deadline = new CancellationTokenSource(timeout);
        HttpResponseMessage? response = null;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            response = await FollowAsync(request, settings.MaxRedirects, linked.Token);
            if (response.IsSuccessStatusCode && response.Content.Headers.ContentLength > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            var original = response.Content;
            var bounded = new StreamContent(new BoundedStream(await original.ReadAsStreamAsync(linked.Token), maxBytes, deadline));
            foreach (var header in original.Headers)
            {
                bounded.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = bounded;
            deadline = null;
            return response;
        }
        catch (OperationCanceledException e) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            throw TimedOut(e);
        }
        catch (HttpRequestException e) when (e is not OutboundException && e.InnerException is OutboundException refused)
        {
            // Thrown by the connect callback; HttpClient wraps it.
            response?.Dispose();
            throw new OutboundException(refused.Failure, refused.Message, e);
        }
        catch
        {
            response?.Dispose();
            throw;
        }
        finally
        {
            deadline?.Dispose();
        }
    }

    private async Task<HttpResponseMessage> FollowAsync(HttpRequestMessage request, int maxRedirects, CancellationToken cancellationToken)
    {
        for (var redirects = 0; ; redirects++)
        {
            var next = await SendOneAsync(request, redirects, maxRedirects, cancellationToken);
            if (next.Response is { } response)
            {
                return response;
            }

            request = next.Follow!;
        }
    }

    /// <summary>One hop: the final answer, or the request for the next hop (this disposes <paramref name="request"/>).</summary>
    private async Task<(HttpResponseMessage? Response, HttpRequestMessage? Follow)> SendOneAsync(HttpRequestMessage request, int redirects, int maxRedirects,
        CancellationToken cancellationToken)
    {
        using (request)
        {
            var url = request.RequestUri ?? throw new ArgumentException("The request has no URL.", nameof(request));
            if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
            {
                throw new OutboundException(OutboundFailure.ForbiddenScheme, "Only http and https URLs can be fetched.");
            }

            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location || (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head))
            {
                return (response, null);
            }

            response.Dispose();
            if (redirects >= maxRedirects)
            {
                throw new OutboundException(OutboundFailure.TooManyRedirects, $"The URL redirected more than {maxRedirects} times.");
            }

            var target = location.IsAbsoluteUri ? location : new Uri(url, location);
            if (url.Scheme == "https" && target.Scheme == "http")
            {
                throw new OutboundException(OutboundFailure.ForbiddenScheme, "The URL redirected from https to http.");
            }

            var follow = new HttpRequestMessage(request.Method, target);
            // Headers (credentials among them) go only to the origin they were meant for.
            if (Uri.Compare(url, target, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                foreach (var header in request.Headers)
                {
                    follow.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            return (null, follow);
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
        or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static OutboundException TooLarge(long maxBytes) =>
        new(OutboundFailure.TooLarge, $"The body is larger than the limit of {maxBytes} bytes.");

    private static OutboundException TimedOut(Exception inner) =>
        new(OutboundFailure.TimedOut, "The server did not answer in time.", inner);

    /// <summary>
    /// The primary handler: every connection, first hop or redirect, goes through <see cref="ConnectAsync"/>; nothing
    /// else resolves names or opens sockets, and no proxy stands between (a proxy would resolve the name itself).
    /// </summary>
    public static SocketsHttpHandler CreateHandler(OutboundOptions settings, IOutboundAddressPolicy policy, IOutboundResolver resolver) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = settings.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, policy, resolver, cancellationToken),
    };

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint target, IOutboundAddressPolicy policy, IOutboundResolver resolver, CancellationToken cancellationToken)
    {
        var host = target.Host.TrimStart('[').TrimEnd(']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await resolver.ResolveAsync(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        // All or nothing: a name that resolves to any forbidden address is refused, whichever address would be tried.
        var vetted = new List<IPEndPoint>(addresses.Length);
        foreach (var address in addresses)
        {
            var endpoint = new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, target.Port);
            if (!policy.Allows(endpoint))
            {
                var scope = OutboundAddresses.Describe(OutboundAddresses.Classify(endpoint.Address));
                throw new OutboundException(OutboundFailure.ForbiddenAddress, literal is null
                    ? $"{target.Host} resolves to {scope}, which is not public: Nexus does not fetch from it."
                    : $"{target.Host} is {scope}, which is not public: Nexus does not fetch from it.");
            }

            vetted.Add(endpoint);
        }

        Exception? last = null;
        foreach (var endpoint in vetted)
        {
            Socket? socket = null;
            try
            {
                socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(endpoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket?.Dispose();
                last = e;
            }
            catch
            {
                socket?.Dispose();
                throw;
            }
        }

        throw last!;
    }

    /// <summary>A response body that stops past its byte limit or its deadline (which it owns).</summary>
    private sealed class BoundedStream(Stream inner, long maxBytes, CancellationTokenSource deadline) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (deadline.IsCancellationRequested)
            {
                throw TimedOut(new OperationCanceledException(deadline.Token));
            }

            return Count(inner.Read(buffer));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                return Count(await inner.ReadAsync(buffer, linked.Token));
            }
            catch (Exception e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && e is not OutboundException)
            {
                // A read cut by the deadline surfaces as a cancellation or, from the connection, an I/O error.
                throw TimedOut(e);
            }
        }

        private int Count(int read)
        {
            _read += read;
            return _read > maxBytes ? throw TooLarge(maxBytes) : read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                deadline.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            deadline.Dispose();
            await base.DisposeAsync();
        }
    }
}

/// <summary>Registers <see cref="OutboundHttp"/>.</summary>
public static class OutboundHttpSetup
{
    /// <summary>
    /// Registers <see cref="OutboundHttp"/> (a typed client on the guarded handler), <see cref="OutboundOptions"/>
    /// from <c>Nexus:Outbound</c>, and the default <see cref="IOutboundAddressPolicy"/> and
    /// <see cref="IOutboundResolver"/> unless others are registered. Safe to call from every feature that needs it.
    /// </summary>
    public static IServiceCollection AddOutboundHttp(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(OutboundHttp)))
        {
            return services;
        }

        services.AddOptions<OutboundOptions>().Bind(configuration.GetSection(OutboundOptions.Section))
            .Validate(o => o.MaxResponseBytes > 0 && o.Timeout > TimeSpan.Zero && o.ConnectTimeout > TimeSpan.Zero && o.MaxRedirects >= 0,
                $"{OutboundOptions.Section}: MaxResponseBytes, Timeout and ConnectTimeout must be positive, MaxRedirects at least 0.")
            .ValidateOnStart();
        services.TryAddSingleton<IOutboundAddressPolicy, PublicAddressPolicy>();
        services.TryAddSingleton<IOutboundResolver, SystemOutboundResolver>();
        services.AddHttpClient<OutboundHttp>()
            .ConfigurePrimaryHttpMessageHandler(sp => OutboundHttp.CreateHandler(
                sp.GetRequiredService<IOptions<OutboundOptions>>().Value, sp.GetRequiredService<IOutboundAddressPolicy>(), sp.GetRequiredService<IOutboundResolver>()))
            // The request's own deadline (OutboundOptions.Timeout) covers the body too; HttpClient's would stop at the headers.
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            // Media URLs can be signed (credentials in the query): the default handlers would log them.
            .RemoveAllLoggers();
        return services;
    }
}
