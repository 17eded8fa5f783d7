using System.Globalization;
using Nexus.Api.Platforms.Sandbox;

namespace Nexus.Api.Infrastructure;

/// <summary>
/// The address this server listens on, as a URL a browser on this machine can open: the first of <c>--urls</c> /
/// <c>ASPNETCORE_URLS</c> (a wildcard host becomes <c>localhost</c>), else the first of <c>ASPNETCORE_HTTP_PORTS</c>,
/// else Kestrel's own default. <c>Nexus:PublicUrl</c> and the sandbox's <c>BaseUrl</c> default to it, so running on
/// another port needs no other setting; behind a proxy or on another host, set <c>Nexus:PublicUrl</c>.
/// </summary>
public static class ListenAddress
{
    private const string KestrelDefault = "http://localhost:5000";

    public static string Of(IConfiguration configuration)
    {
        if (First(configuration["urls"]) is { } url && Uri.TryCreate(Wildcard(url), UriKind.Absolute, out var uri))
        {
            var host = uri.Host is "0.0.0.0" or "[::]" or "::" or "localhost" ? "localhost" : uri.Host;
            return new UriBuilder(uri.Scheme, host, uri.Port).Uri.GetLeftPart(UriPartial.Authority);
        }

        return First(configuration["http_ports"]) is { } port && int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? $"http://localhost:{number}"
            : KestrelDefault;
    }

    /// <summary>Defaults <c>Nexus:PublicUrl</c> and <c>Nexus:Platforms:Sandbox:BaseUrl</c> to <see cref="Of"/> where unset.</summary>
    public static IServiceCollection AddListenAddressDefaults(this IServiceCollection services, IConfiguration configuration)
    {
        services.PostConfigure<NexusUrls>(urls =>
        {
            if (string.IsNullOrWhiteSpace(configuration["Nexus:PublicUrl"]))
            {
                urls.PublicUrl = Of(configuration);
            }
        });
        services.PostConfigure<SandboxOptions>(sandbox =>
        {
            if (string.IsNullOrWhiteSpace(configuration["Nexus:Platforms:Sandbox:BaseUrl"]))
            {
                sandbox.BaseUrl = new Uri(Of(configuration));
            }
        });
        return services;
    }

    private static string? First(string? list) =>
        list?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();

    // Kestrel accepts http://*:port and http://+:port, which Uri does not parse as hosts.
    private static string Wildcard(string url) => url.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal);
}
