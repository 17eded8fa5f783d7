using System.Collections.Frozen;
using Microsoft.AspNetCore.StaticFiles;

namespace Nexus.Api.GraphQL.Transport;

/// <summary>
/// GraphiQL's page and assets, embedded in the assembly (<c>GraphQL/GraphiQL/</c>) so the browser never
/// reaches beyond Nexus: the machines that run it may be offline.
/// </summary>
public sealed class GraphiQLAssets
{
    private const string Prefix = "graphiql/";

    // Served with a policy that allows only our own origin; the GraphiQL bundle injects styles at run time.
    internal const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'";

    private readonly FrozenDictionary<string, (byte[] Content, string ContentType)> _files;

    public GraphiQLAssets()
    {
        var assembly = typeof(GraphiQLAssets).Assembly;
        var types = new FileExtensionContentTypeProvider();
        _files = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal))
            .ToFrozenDictionary(
                name => name[Prefix.Length..],
                name =>
                {
                    using var stream = assembly.GetManifestResourceStream(name)!;
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    return (copy.ToArray(), types.TryGetContentType(name, out var type) ? type : "application/octet-stream");
                },
                StringComparer.Ordinal);
    }

    public bool HasPage => _files.ContainsKey("index.html");

    public static bool IsBrowserPageRequest(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && !request.Query.ContainsKey("query") &&
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    public Task WritePageAsync(HttpContext http) => WriteAsync(http, "index.html");

    public async Task WriteAsync(HttpContext http, string file)
    {
        if (!_files.TryGetValue(file, out var asset))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        http.Response.ContentType = asset.ContentType.StartsWith("text/", StringComparison.Ordinal) || asset.ContentType.Contains("javascript", StringComparison.Ordinal)
            ? asset.ContentType + "; charset=utf-8"
            : asset.ContentType;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = file == "index.html" ? "no-cache" : "public, max-age=86400";
        if (file.EndsWith(".html", StringComparison.Ordinal))
        {
            http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        }

        await http.Response.Body.WriteAsync(asset.Content, http.RequestAborted);
    }
}
