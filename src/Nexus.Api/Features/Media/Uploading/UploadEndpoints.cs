using Marten;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media.Adding;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Features.Media.Uploading;

/// <summary>
/// <c>/media/uploads</c>: a <c>POST</c> with <c>Tus-Resumable</c> creates a resumable upload (<see cref="ResumableUpload"/>),
/// one without it is a whole file at once (<see cref="SimpleUpload"/>); <c>/media/uploads/{id}</c> takes the tus
/// <c>HEAD</c>, <c>PATCH</c> and <c>DELETE</c>.
/// </summary>
public static class UploadEndpoints
{
    public const string Path = "/media/uploads";

    public static IEndpointRouteBuilder MapMediaUploads(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Path, [HttpMethods.Options], ResumableUpload.Options);
        app.MapMethods(Path + "/{id}", [HttpMethods.Options], ResumableUpload.Options);
        app.MapPost(Path, (HttpContext http, IQuerySession session, UploadStaging staging, AddToLibrary library, IOptions<MediaOptions> media, IOptions<UploadOptions> uploads) =>
            http.Request.Headers.ContainsKey("Tus-Resumable")
                ? ResumableUpload.CreateAsync(http, session, staging, media, uploads)
                : SimpleUpload.HandleAsync(http, session, library, media, uploads));
        app.MapMethods(Path + "/{id}", [HttpMethods.Head], ResumableUpload.HeadAsync);
        app.MapMethods(Path + "/{id}", [HttpMethods.Patch], ResumableUpload.PatchAsync);
        app.MapDelete(Path + "/{id}", ResumableUpload.DeleteAsync);
        return app;
    }

    /// <summary>
    /// What a browser's tus client needs besides the origin (<see cref="HttpHardening"/> applies it to these paths only):
    /// its methods and request headers, and the answers' headers it reads. Bearer tokens, no cookies: no credentials.
    /// </summary>
    /// <remarks><c>Upload-Defer-Length</c> is not supported, but allowed so that a browser reads the 400 that says so.</remarks>
    public static CorsPolicyBuilder CorsRules(CorsPolicyBuilder policy) => policy
        .WithMethods(HttpMethods.Post, HttpMethods.Patch, HttpMethods.Head, HttpMethods.Delete, HttpMethods.Options)
        .WithHeaders("Authorization", "Content-Type", "Content-Disposition", "Tus-Resumable", "Upload-Length", "Upload-Offset", "Upload-Metadata", "Upload-Checksum",
            "Upload-Defer-Length")
        .WithExposedHeaders("Location", "Upload-Offset", "Upload-Length", "Upload-Expires", "Tus-Resumable", "Tus-Version", "Tus-Extension", "Tus-Max-Size",
            "Tus-Checksum-Algorithm", ResumableUpload.MediaIdHeader, "WWW-Authenticate", "Retry-After");

    /// <summary>Registers the upload services; called from the media area's configuration.</summary>
    public static IServiceCollection AddMediaUploads(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<UploadOptions>().Bind(configuration.GetSection(UploadOptions.Section))
            .Validate(o => o.Expiry > TimeSpan.Zero && o.MaxOpenPerWorkspace > 0 && o.MaxMetadataLength > 0 && o.MaxFileNameLength > 0 && o.PartBytes > 0
                && o.FinishLease > TimeSpan.Zero && o.SweepInterval > TimeSpan.Zero && o.SweepBatch > 0,
                $"{UploadOptions.Section}: every limit and duration must be positive.")
            .ValidateOnStart();
        services.AddSingleton<AddToLibrary>();
        services.AddOutboundHttp(configuration);
        services.AddSingleton<Importing.MediaImporter>();
        services.AddSingleton<UploadStaging>();
        services.AddHostedService<UploadSweeper>();
        return services;
    }
}

/// <summary>Every node removes expired unfinished uploads and their staged parts (<see cref="UploadStaging.SweepOnceAsync"/>).</summary>
public sealed class UploadSweeper(UploadStaging staging, IOptions<UploadOptions> options, TimeProvider clock, ILogger<UploadSweeper> logger) : PeriodicSweep(clock, logger)
{
    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override string What => "media upload";

    protected override Task<bool> SweepOnceAsync(CancellationToken ct) => staging.SweepOnceAsync(ct);
}
