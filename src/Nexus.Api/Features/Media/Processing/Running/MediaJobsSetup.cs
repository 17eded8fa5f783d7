using Nexus.Api.Features.Media.Processing.Watching;
using Nexus.Api.Infrastructure;
using Wolverine;

namespace Nexus.Api.Features.Media.Processing.Running;

public static class MediaJobsSetup
{
    /// <summary>The job runner's queue and the progress channel; the operation runners are registered by their owners.</summary>
    public static IServiceCollection AddNexusMediaJobs(this IServiceCollection services)
    {
        services.AddDatabaseChannel<MediaJobProgress>();
        // Jobs take a core each for seconds to minutes: their own queue, at most half the cores, so that publishing and
        // the other messages of this node are never stuck behind a row of transcodes.
        services.ConfigureWolverine(options => options.LocalQueueFor<RunMediaJob>().MaximumParallelMessages(Math.Max(1, Environment.ProcessorCount / 2)));
        return services;
    }
}
