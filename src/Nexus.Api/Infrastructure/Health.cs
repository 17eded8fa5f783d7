using Npgsql;
using Wolverine.Runtime;

namespace Nexus.Api.Infrastructure;

/// <summary>
/// <c>/healthz</c> (the process lives) and <c>/readyz</c>: this node's own readiness — its start-up work is done,
/// PostgreSQL answers this node, and this node takes its part in scheduling (<see cref="SchedulerStatus"/>). With
/// several nodes behind a load balancer each answers for itself, so a node is taken out of rotation alone.
/// </summary>
public static class Health
{
    public static IEndpointRouteBuilder MapNexusHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Json(new { status = "alive" }));
        app.MapGet("/readyz", ReadyAsync);
        return app;
    }

    internal static async Task<IResult> ReadyAsync(NpgsqlDataSource database, IWolverineRuntime wolverine, SchedulerStatus scheduler, StartupWork startup,
        CancellationToken ct)
    {
        var down = new List<string>();
        if (startup.Pending.Count > 0)
        {
            down.Add("startup");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = database.CreateCommand("select 1");
            await command.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            down.Add("postgresql");
        }

        if (!scheduler.IsRunning(wolverine))
        {
            down.Add("scheduler");
        }

        return down.Count == 0
            ? Results.Json(new { status = "ready" })
            : Results.Json(new { status = "unavailable", down }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
