using Wolverine;
using Wolverine.Runtime;
using Wolverine.Transports;

namespace Nexus.Api.Infrastructure;

/// <summary>
/// Whether this node takes its part in running persisted scheduled messages: the application has started, is not
/// stopping, Wolverine's durability agent is enabled, and
/// <list type="bullet">
/// <item><c>Solo</c>: the durability agent (which plays scheduled messages) runs here;</item>
/// <item><c>Balanced</c>: this node has joined the cluster's agent workflow (registered with a node number) and its
/// control queue accepts, so the leader can hand it the durability agent. The agent itself runs on one node at a time
/// (the leader picks it), so requiring it here would keep every other node unready for good.</item>
/// </list>
/// </summary>
public sealed class SchedulerStatus(IHostApplicationLifetime lifetime)
{
    /// <summary>The scheme of the per-node control queue Wolverine's PostgreSQL storage gives each node in Balanced mode.</summary>
    private const string ControlQueueScheme = "dbcontrol";

    public bool IsRunning(IWolverineRuntime runtime)
    {
        if (!lifetime.ApplicationStarted.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return false;
        }

        var durability = runtime.Options.Durability;
        if (!durability.DurabilityAgentEnabled)
        {
            return false;
        }

        if (durability.Mode != DurabilityMode.Balanced)
        {
            return runtime.Agents.AllRunningAgentUris().Any(uri => uri.Scheme == "wolverinedb");
        }

        // The control queue is how the leader reaches this node: a node that does not read it is never started on the
        // agents it is given.
        return runtime is WolverineRuntime { NodeController.HasStartedLocalAgentWorkflowForBalancedMode: true }
               && durability.AssignedNodeNumber > 0
               && runtime.Endpoints.ActiveListeners()
                   .Any(listener => listener.Uri.Scheme == ControlQueueScheme && listener.Status == ListeningStatus.Accepting);
    }
}
