using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Alba;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Outbound;
using Nexus.Api.Tests.Features.Hooks;
using Nexus.Api.Features.Media.Uploading;
using Nexus.Api.Tests.Features.Analytics.Sync;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media.Uploading;

/// <summary>
/// The API with small media limits (images 1 MB, audio 8 MB, videos 40 MB), staged parts of 64 KB (so a file is several
/// parts), at most 5 open uploads per workspace and 8 new uploads per person an hour, a controlled clock for expiry, no background sweep (the tests sweep), and private addresses allowed for
/// imports from a local server.
/// </summary>
public sealed class UploadsFixture : ApiFixture, IAsyncLifetime
{
    public const long MaxImageBytes = 1024 * 1024;
    public const long MaxVideoBytes = 40L * 1024 * 1024;

    /// <summary>New uploads one person (or app token) may start per hour here.</summary>
    public const int UploadsPerHour = 8;

    public ControlledClock Clock { get; } = new();

    protected override string Purpose => "uploads";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Media:MaxImageBytes"] = MaxImageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Nexus:Media:MaxAudioBytes"] = (8 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Nexus:Media:MaxVideoBytes"] = MaxVideoBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Nexus:Media:Uploads:PartBytes"] = "65536",
        ["Nexus:Media:Uploads:SweepInterval"] = "1.00:00:00",
        ["Nexus:Media:Uploads:MaxOpenPerWorkspace"] = "5",
        ["Nexus:RateLimits:MediaUpload:PermitLimit"] = UploadsPerHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Nexus:RateLimits:MediaUpload:Window"] = "01:00:00",
        ["Nexus:Outbound:AllowPrivateAddresses"] = "true",
        ["Nexus:Platforms:Sandbox:AccessTokenLifetime"] = "400.00:00:00",
    };

    /// <summary>A local server the imports download from.</summary>
    public HookReceiver Source { get; private set; } = null!;

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    public new async Task InitializeAsync()
    {
        Source = await HookReceiver.StartAsync();
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Source.DisposeAsync();
    }
}

/// <summary>
/// Production's address policy (nothing private), except the one loopback port of <see cref="Source"/>, which stands
/// for a public server: so a public source can redirect into a private address.
/// </summary>
public sealed class StrictImportFixture : ApiFixture, IAsyncLifetime
{
    public HookReceiver Source { get; private set; } = null!;

    protected override string Purpose => "imports_strict";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Nexus:Outbound:AllowPrivateAddresses"] = "false" };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IOutboundAddressPolicy>(sp => new SourceOnlyPolicy(this, new PublicAddressPolicy(sp.GetRequiredService<IOptions<OutboundOptions>>())));

    public new async Task InitializeAsync()
    {
        Source = await HookReceiver.StartAsync();
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Source.DisposeAsync();
    }

    private sealed class SourceOnlyPolicy(StrictImportFixture fixture, PublicAddressPolicy inner) : IOutboundAddressPolicy
    {
        public bool Allows(IPEndPoint endpoint) =>
            (IPAddress.IsLoopback(endpoint.Address) && endpoint.Port == fixture.Source.Port) || inner.Allows(endpoint);
    }
}

/// <summary>What a tus or simple upload answered.</summary>
public sealed record UploadAnswer(HttpResponseMessage Response, string Body)
{
    public int Status => (int)Response.StatusCode;

    public string? Header(string name) =>
        Response.Headers.TryGetValues(name, out var values) || Response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? Code => Body.StartsWith('{') && Json.TryGetProperty("code", out var code) ? code.GetString() : null;
}

/// <summary>A tus client in a few calls, and the simple upload.</summary>
public static class UploadScenarios
{
    public static string Metadata(string workspaceId, string? fileName) =>
        $"workspaceId {Convert.ToBase64String(Encoding.UTF8.GetBytes(workspaceId))}" +
        (fileName is null ? "" : $",filename {Convert.ToBase64String(Encoding.UTF8.GetBytes(fileName))}");

    public static async Task<UploadAnswer> SendAsync(this IAlbaHost host, string? token, HttpMethod method, string url, HttpContent? content = null,
        IDictionary<string, string>? headers = null, bool tus = true)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (tus)
        {
            request.Headers.TryAddWithoutValidation("Tus-Resumable", "1.0.0");
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request);
        return new UploadAnswer(response, await response.Content.ReadAsStringAsync());
    }

    public static Task<UploadAnswer> CreateUploadAsync(this IAlbaHost host, string? token, string workspaceId, long length, string? fileName = "clip.mp4") =>
        host.SendAsync(token, HttpMethod.Post, UploadEndpoints.Path, null, new Dictionary<string, string>
        {
            ["Upload-Length"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Upload-Metadata"] = Metadata(workspaceId, fileName),
        });

    public static Task<UploadAnswer> PatchAsync(this IAlbaHost host, string? token, string location, long offset, byte[] bytes) =>
        host.PatchAsync(token, location, offset, new ByteArrayContent(bytes));

    public static Task<UploadAnswer> PatchAsync(this IAlbaHost host, string? token, string location, long offset, HttpContent content, string? checksum = null)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue(ResumableUpload.OffsetOctetStream);
        var headers = new Dictionary<string, string> { ["Upload-Offset"] = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (checksum is not null)
        {
            headers["Upload-Checksum"] = checksum;
        }

        return host.SendAsync(token, HttpMethod.Patch, location, content, headers);
    }

    public static Task<UploadAnswer> HeadAsync(this IAlbaHost host, string? token, string location) => host.SendAsync(token, HttpMethod.Head, location);

    public static long Offset(this UploadAnswer answer) => long.Parse(answer.Header("Upload-Offset")!, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates an upload and sends <paramref name="bytes"/> in <paramref name="chunks"/> PATCHes; answers the last PATCH's answer.</summary>
    public static async Task<UploadAnswer> UploadResumableAsync(this IAlbaHost host, string token, string workspaceId, byte[] bytes, string fileName, int chunks = 3)
    {
        var created = await host.CreateUploadAsync(token, workspaceId, bytes.Length, fileName);
        Assert.True(created.Status == 201, created.Body);
        var location = created.Header("Location")!;
        var size = (bytes.Length + chunks - 1) / chunks;
        UploadAnswer last = created;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            last = await host.PatchAsync(token, location, offset, bytes[offset..Math.Min(bytes.Length, offset + size)]);
            if (last.Status != 204)
            {
                return last;
            }
        }

        return last;
    }

    /// <summary>The simple upload: a multipart form with one <c>file</c> part.</summary>
    public static Task<UploadAnswer> UploadSimpleAsync(this IAlbaHost host, string? token, string workspaceId, byte[] bytes, string fileName, string declaredType = "image/jpeg")
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(declaredType);
        var form = new MultipartFormDataContent { { file, "file", fileName } };
        return host.SendAsync(token, HttpMethod.Post, $"{UploadEndpoints.Path}?workspaceId={Uri.EscapeDataString(workspaceId)}", form, tus: false);
    }

    /// <summary>Serves <paramref name="bytes"/> at a fresh path of <paramref name="source"/> ending in <paramref name="fileName"/>; answers its URL.</summary>
    public static string Serve(this HookReceiver source, string fileName, byte[] bytes, string contentType = "application/octet-stream")
    {
        var path = $"/files/{Guid.NewGuid():N}/{fileName}";
        source.Answer(path, async context =>
        {
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(bytes);
        });
        return $"http://127.0.0.1:{source.Port}{path}";
    }

    /// <summary>Runs <c>importMedia</c>; answers its payload (<c>media { … } errors { code message }</c>).</summary>
    public static Task<JsonElement> ImportAsync(this IAlbaHost host, Person person, string workspaceId, string url) =>
        host.MutateAsync(person, "importMedia", "ImportMediaInput", new { workspaceId, url }, "media { id name kind mime width height sizeBytes }");

    /// <summary>The item as GraphQL shows it (through <c>node</c>).</summary>
    public static async Task<JsonElement> MediaItemAsync(this IAlbaHost host, Person person, string id)
    {
        var response = await host.AsAsync(person,
            "query ($id: ID!) { node(id: $id) { ... on MediaItem { id name kind mime width height durationSeconds sizeBytes videoCodec audioCodec tags } } }", new { id });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("node");
    }
}

/// <summary>A request body that hands out <c>bytes</c> as its subclass decides: forward only, read asynchronously.</summary>
internal abstract class ScriptedBody(byte[] bytes) : Stream
{
    private int _position;

    protected byte[] Bytes => bytes;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Copies the next bytes, up to <paramref name="end"/>, into <paramref name="buffer"/>.</summary>
    protected int Give(Memory<byte> buffer, int end)
    {
        var n = Math.Max(0, Math.Min(buffer.Length, end - _position));
        bytes.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Gives its bytes, then stalls until the request is given up (like a connection that went dead).</summary>
internal sealed class StallingStream(byte[] bytes) : ScriptedBody(bytes)
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Position < Bytes.Length)
        {
            return Give(buffer, Bytes.Length);
        }

        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }
}
