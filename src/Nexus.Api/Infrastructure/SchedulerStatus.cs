using Wolverine.Runtime;

namespace Nexus.Api.Infrastructure;

/// <summary>
/// Whether the durable scheduler is running on this node: the application has started, is not stopping,
/// and Wolverine's durability agent (which plays persisted scheduled messages) is among its running agents.
/// </summary>
public sealed class SchedulerStatus(IHostApplicationLifetime lifetime)
{
    public bool IsRunning(IWolverineRuntime runtime)
    {
        if (!lifetime.ApplicationStarted.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return false;
        }

        return runtime.Agents.AllRunningAgentUris().Any(uri => uri.Scheme == "wolverinedb");
    }
}
