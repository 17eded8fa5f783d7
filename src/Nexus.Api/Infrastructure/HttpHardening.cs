using Nexus.Api.Features.Media.Uploading;

namespace Nexus.Api.Infrastructure;

/// <summary>Browser-facing rules for every response: HSTS, no MIME sniffing, secure cookies, and CORS.</summary>
public static class HttpHardening
{
    /// <summary>Frontend origins allowed to call the API from script, bound from <c>Nexus:Cors:Origins</c>.</summary>
    public const string CorsOriginsKey = "Nexus:Cors:Origins";

    private const string CorsPolicy = "nexus-frontends";
    private const string UploadsCorsPolicy = "nexus-frontends-uploads";

    /// <summary>
    /// Cookies travel only over HTTPS except in Development (plain HTTP on loopback). Tests run outside
    /// Development on purpose, so they see the flags production sets.
    /// </summary>
    public static CookieSecurePolicy CookieSecurity(IHostEnvironment environment) =>
        environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    public static WebApplicationBuilder AddNexusHttpHardening(this WebApplicationBuilder builder)
    {
        var origins = CorsOrigins(builder.Configuration, builder.Environment);
        builder.Services.AddCors(cors =>
        {
            cors.AddPolicy(CorsPolicy, policy =>
            {
                // Bearer tokens, never cookies: no credentials, so any request header a GraphQL client sends is fine.
                policy.WithOrigins(origins).WithMethods("GET", "POST").AllowAnyHeader()
                    .WithExposedHeaders("WWW-Authenticate", "Retry-After")
                    .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
            });
            // tus needs more methods and headers than the other doors; they stay on its own paths.
            cors.AddPolicy(UploadsCorsPolicy, policy => UploadEndpoints.CorsRules(policy.WithOrigins(origins)).SetPreflightMaxAge(TimeSpan.FromMinutes(10)));
        });
        builder.Services.AddHsts(hsts => hsts.MaxAge = TimeSpan.FromDays(365));
        // Every cookie, including those set by libraries (antiforgery, OpenIddict's correlation cookies).
        builder.Services.Configure<CookiePolicyOptions>(cookies => cookies.Secure = CookieSecurity(builder.Environment));
        return builder;
    }

    public static WebApplication UseNexusHttpHardening(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                http.Response.Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            });
            return next(http);
        });
        if (app.Environment.IsProduction())
        {
            app.UseHsts();
        }

        app.UseCookiePolicy();
        // Before authentication: OpenIddict answers its endpoints (token, revoke, discovery...) from there.
        app.UseWhen(http => IsCorsPath(http.Request.Path) && !IsUploadsPath(http.Request.Path), branch => branch.UseCors(CorsPolicy));
        app.UseWhen(http => IsUploadsPath(http.Request.Path), branch => branch.UseCors(UploadsCorsPolicy));
        return app;
    }

    /// <summary>The doors a browser app calls from script: GraphQL, the OAuth endpoints a public client uses, and media uploads.</summary>
    internal static bool IsCorsPath(PathString path) =>
        path.Equals("/graphql", StringComparison.OrdinalIgnoreCase) ||
        IsUploadsPath(path) ||
        path.Equals("/connect/token", StringComparison.OrdinalIgnoreCase) ||
        path.Equals("/connect/revoke", StringComparison.OrdinalIgnoreCase) ||
        path.Equals("/connect/userinfo", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments("/.well-known", StringComparison.OrdinalIgnoreCase);

    private static bool IsUploadsPath(PathString path) => path.StartsWithSegments(UploadEndpoints.Path, StringComparison.OrdinalIgnoreCase);

    /// <summary>The configured origins; in Development, the frontend's when none are configured.</summary>
    internal static string[] CorsOrigins(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration.GetSection(CorsOriginsKey).Get<string[]>();
        if (configured is { Length: > 0 })
        {
            return [.. configured.Select(Origin)];
        }

        return environment.IsDevelopment() ? [Origin(configuration["Nexus:FrontendUrl"] ?? new NexusUrls().FrontendUrl)] : [];
    }

    // An origin is scheme://host[:port]; a configured URL with a path still means its origin.
    private static string Origin(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.GetLeftPart(UriPartial.Authority)
            : throw new InvalidOperationException($"{CorsOriginsKey} holds '{url}', which is not an http(s) origin.");
}
