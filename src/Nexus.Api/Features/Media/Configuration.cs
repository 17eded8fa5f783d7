using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media.Probing;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Media.Processing.Images;
using Nexus.Api.Features.Media.Processing.Running;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Features.Media.Uploading;

namespace Nexus.Api.Features.Media;

public static class Configuration
{
    public static IServiceCollection AddNexusMedia(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MediaOptions>().Bind(configuration.GetSection(MediaOptions.Section))
            .Validate(o => o.MaxImageBytes > 0 && o.MaxVideoBytes > 0 && o.MaxAudioBytes > 0 && o.MaxPixels > 0 && o.MaxDuration > TimeSpan.Zero
                && o.ProbeTimeout > TimeSpan.Zero && o.ProcessTimeout > TimeSpan.Zero && o.UrlLifetime > TimeSpan.Zero,
                $"{MediaOptions.Section}: every limit and duration must be positive.")
            .ValidateOnStart();
        services.AddSingleton<MediaProbe>();
        services.AddSingleton<MediaUrls>();
        services.AddSingleton<Processing.Video.FfmpegProcess>().AddSingleton<IMediaOperationRunner, Processing.Video.FfmpegOperations>();
        services.AddNexusMediaJobs();
        services.AddSingleton<IMediaOperationRunner, ImageOperations>();
        services.AddSingleton<LocalDiskMediaStore>();
        services.AddSingleton<IValidateOptions<MediaOptions>, S3MediaOptionsValidation>();
        services.AddSingleton<S3MediaStore>();
        services.AddSingleton<IMediaStore>(sp => sp.GetRequiredService<IOptions<MediaOptions>>().Value.Storage switch
        {
            MediaStorageKind.Local => sp.GetRequiredService<LocalDiskMediaStore>(),
            MediaStorageKind.S3 => sp.GetRequiredService<S3MediaStore>(),
            var other => throw new InvalidOperationException($"{MediaOptions.Section}:Storage '{other}' has no store registered yet."),
        });
        services.AddMediaUploads(configuration);
        return services;
    }
}
