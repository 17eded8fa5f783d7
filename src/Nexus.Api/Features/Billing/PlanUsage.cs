using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Workspaces;
using Npgsql;

namespace Nexus.Api.Features.Billing;

/// <summary>A limit of a plan: its name in the API (<c>PLAN_LIMIT.limit</c>, <c>PlanLimitUsage.limit</c>) and where it sits in <see cref="PlanLimits"/>.</summary>
public sealed record PlanLimit(string Name, Func<PlanLimits, long?> Of)
{
    public static readonly PlanLimit ConnectedAccounts = new("connectedAccounts", l => l.ConnectedAccounts);
    public static readonly PlanLimit Members = new("members", l => l.Members);
    public static readonly PlanLimit ScheduledPostsPerMonth = new("scheduledPostsPerMonth", l => l.ScheduledPostsPerMonth);
    public static readonly PlanLimit MediaStorageBytes = new("mediaStorageBytes", l => l.MediaStorageBytes);
    public static readonly PlanLimit AiTokensPerMonth = new("aiTokensPerMonth", l => l.AiTokensPerMonth);
    public static readonly PlanLimit AnalyticsHistoryDays = new("analyticsHistoryDays", l => l.AnalyticsHistoryDays);
    public static readonly PlanLimit Webhooks = new("webhooks", l => l.Webhooks);

    public static readonly IReadOnlyList<PlanLimit> All = [ConnectedAccounts, Members, ScheduledPostsPerMonth, MediaStorageBytes, AiTokensPerMonth, AnalyticsHistoryDays, Webhooks];
}

/// <summary>
/// What a workspace uses of each limit, counted from the data itself (no counter to drift):
/// connections not disconnected; members; posts scheduled (not drafts, not cancelled) whose time falls in a calendar
/// month of the workspace's time zone; the bytes of live library items; webhook endpoints.
/// </summary>
public static class PlanUsage
{
    /// <summary>The calendar month containing <paramref name="at"/> in <paramref name="timeZone"/>, as [start, end) instants.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) MonthOf(DateTimeOffset at, string timeZone)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var first = new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return (Start(first), Start(first.AddMonths(1)));

        // Midnight of the 1st exists in every zone Nexus knows of, except where a DST jump skips it: then the first instant after.
        DateTimeOffset Start(DateTime wall) => zone.IsInvalidTime(wall)
            ? new DateTimeOffset(wall.AddHours(1), zone.GetUtcOffset(wall.AddHours(1)))
            : new DateTimeOffset(wall, zone.GetUtcOffset(wall));
    }

    public static Task<int> ConnectedAccountsAsync(IQuerySession session, Guid workspaceId, CancellationToken ct) =>
        session.Query<Connection>().CountAsync(c => c.WorkspaceId == workspaceId && c.Status != ConnectionStatus.Disconnected, ct);

    public static Task<int> ScheduledPostsAsync(IQuerySession session, Guid workspaceId, (DateTimeOffset Start, DateTimeOffset End) month, CancellationToken ct) =>
        session.Query<Post>().CountAsync(p => p.WorkspaceId == workspaceId && p.Status != PostStatus.Draft && p.Status != PostStatus.Cancelled
            && p.ScheduledAt >= month.Start && p.ScheduledAt < month.End, ct);

    public static async Task<long> MediaBytesAsync(IQuerySession session, Guid workspaceId, CancellationToken ct) =>
        await session.Query<MediaAsset>().Where(m => m.WorkspaceId == workspaceId && !m.Deleted).SumAsync(m => m.Facts.SizeBytes, ct);

    public static async Task<long> WebhooksAsync(NpgsqlConnection connection, Guid workspaceId, CancellationToken ct)
    {
        await using var count = new NpgsqlCommand($"select count(*) from {Hooks.HookTables.Endpoints} where workspace_id = $1", connection) { Parameters = { new() { Value = workspaceId } } };
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }
}

/// <summary>
/// The one way a limit is enforced where it is consumed. <see cref="LockAsync(NpgsqlConnection, Guid, CancellationToken)"/>
/// takes a transaction-scoped advisory lock keyed by the workspace in the writing transaction, so every change that
/// consumes a limit of one workspace (connecting, scheduling, adding media, creating an endpoint) runs its count and
/// its write one at a time: the count read after the lock sees what the previous holder committed, and the write
/// commits (releasing the lock) before the next one counts. Members need no lock: they live on the workspace stream,
/// whose version the append asserts.
/// </summary>
public static class PlanGate
{
    /// <summary>Keeps these locks apart from any other advisory lock (the high bits of the key).</summary>
    private const long Namespace = 0x504C_414E_0000_0000; // "PLAN"

    public static long KeyOf(Guid workspaceId)
    {
        Span<byte> bytes = stackalloc byte[16];
        workspaceId.TryWriteBytes(bytes);
        return Namespace ^ (BitConverter.ToInt64(bytes[..8]) ^ BitConverter.ToInt64(bytes[8..])) & 0x0000_FFFF_FFFF_FFFF;
    }

    /// <summary>Waits for the workspace's plan lock; it is held until <paramref name="connection"/>'s transaction ends (call it inside one).</summary>
    public static async Task LockAsync(NpgsqlConnection connection, Guid workspaceId, CancellationToken ct)
    {
        await using var take = new NpgsqlCommand("select pg_advisory_xact_lock($1)", connection) { Parameters = { new() { Value = KeyOf(workspaceId) } } };
        await take.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The lock, in the transaction of a Marten session (begun here if the session has none yet).</summary>
    public static async Task LockAsync(IDocumentSession session, Guid workspaceId, CancellationToken ct)
    {
        await session.BeginTransactionAsync(ct);
        await LockAsync(session.Connection!, workspaceId, ct);
    }

    /// <summary>
    /// Null when <paramref name="workspace"/>'s plan allows the usage <paramref name="usage"/> counts plus
    /// <paramref name="adding"/> of <paramref name="limit"/>; else the typed error. Nothing is counted for an unlimited plan.
    /// </summary>
    public static async Task<PlanLimitError?> RefusesAsync(BillingOptions billing, Workspace workspace, DateTimeOffset now, PlanLimit limit, long adding,
        Func<Task<long>> usage, IReadOnlyList<string>? path = null) =>
        MaxOf(billing, workspace, now, limit) is null ? null : Refuses(billing, workspace, now, limit, adding, await usage(), path);

    /// <summary>As <see cref="RefusesAsync"/>, with the usage known (members: counted on the workspace aggregate itself).</summary>
    public static PlanLimitError? Refuses(BillingOptions billing, Workspace workspace, DateTimeOffset now, PlanLimit limit, long adding, long used,
        IReadOnlyList<string>? path = null)
    {
        var plan = billing.EffectivePlan(workspace, now);
        return limit.Of(billing.Plan(plan).Limits) is not { } max || used + adding <= max ? null : Error(billing, plan, limit, used, max, used + adding, path);
    }

    /// <summary>What the workspace's plan allows of <paramref name="limit"/> at <paramref name="now"/>; null is unlimited.</summary>
    public static long? MaxOf(BillingOptions billing, Workspace workspace, DateTimeOffset now, PlanLimit limit) =>
        limit.Of(billing.Plan(billing.EffectivePlan(workspace, now)).Limits);

    /// <summary>The error for <paramref name="limit"/> at <paramref name="used"/> of <paramref name="max"/> when <paramref name="needed"/> is wanted.</summary>
    public static PlanLimitError Error(BillingOptions billing, string plan, PlanLimit limit, long used, long max, long needed, IReadOnlyList<string>? path = null)
    {
        var lifting = billing.PlanLifting(limit.Of, needed);
        return new PlanLimitError(
            $"The {billing.Plan(plan).Name} plan allows {max} for {limit.Name}; the workspace uses {used}." +
            (lifting is null ? "" : $" The {billing.Plan(lifting).Name} plan allows more."),
            path ?? [], limit.Name, used, max, plan, lifting);
    }
}

/// <summary>
/// The analytics history limit, the one rule every analytics read that reaches back in time goes through
/// (<c>Workspace.analytics</c> and its <c>previous</c> period, <c>Connection.audience</c>, <c>Workspace.bestTimes</c>,
/// <c>suggestPostingSchedule</c>, <c>Post.metrics</c> and <c>PostTarget.metrics</c>, <c>refreshMetrics</c>, the CSV export): a read reaching
/// further back than the plan's window is refused (not clamped, so a chart never silently shows less than it was asked
/// for). Queries answer a top-level PLAN_LIMIT error, its fields in <c>extensions.data</c>; a mutation answers
/// <see cref="PlanLimitError"/>; HTTP answers <see cref="PlanLimitAnswer"/>.
/// </summary>
public static class AnalyticsHistory
{
    /// <summary>Null when <paramref name="workspace"/>'s plan keeps the history back to <paramref name="from"/> at <paramref name="now"/>; else the error (usage: the days asked).</summary>
    public static PlanLimitError? Refusal(BillingOptions billing, Workspace workspace, DateTimeOffset from, DateTimeOffset now, IReadOnlyList<string>? path = null)
    {
        if (PlanGate.MaxOf(billing, workspace, now, PlanLimit.AnalyticsHistoryDays) is not { } days || from >= now.AddDays(-days))
        {
            return null;
        }

        var asked = (long)Math.Ceiling((now - from).TotalDays);
        return PlanGate.Error(billing, billing.EffectivePlan(workspace, now), PlanLimit.AnalyticsHistoryDays, asked, days, asked, path);
    }

    /// <summary>As <see cref="Refusal"/> for a query field (at <paramref name="now"/>, else the clock's): throws the top-level PLAN_LIMIT error.</summary>
    public static void Check(Workspace workspace, DateTimeOffset from, IServiceProvider services, DateTimeOffset? now = null)
    {
        var billing = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BillingOptions>>().Value;
        if (Refusal(billing, workspace, from, now ?? services.GetRequiredService<TimeProvider>().GetUtcNow()) is { } error)
        {
            throw new PlanLimitExceeded(error);
        }
    }
}

/// <summary>A PLAN_LIMIT over plain HTTP (uploads, the analytics export): <c>403</c> with <c>{ code, message, limit, usage, max, plan, liftedBy }</c>.</summary>
public static class PlanLimitAnswer
{
    public static Task WriteAsync(HttpContext http, PlanLimitError plan)
    {
        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        return http.Response.WriteAsJsonAsync(new { code = plan.Code, message = plan.Message, limit = plan.Limit, usage = plan.Usage, max = plan.Max, plan = plan.Plan, liftedBy = plan.LiftedBy },
            CancellationToken.None);
    }
}

/// <summary>A query refused by a plan limit (code <c>PLAN_LIMIT</c>); mutations answer <see cref="PlanLimitError"/> in their payload instead.</summary>
public sealed class PlanLimitExceeded : global::GraphQL.ExecutionError
{
    public PlanLimitExceeded(PlanLimitError error) : base(error.Message)
    {
        Code = PlanLimitError.ErrorCode;
        Fields = new Dictionary<string, object?>
        {
            ["limit"] = error.Limit,
            ["usage"] = error.Usage,
            ["max"] = error.Max,
            ["plan"] = error.Plan,
            ["liftedBy"] = error.LiftedBy,
        };
    }

    /// <summary>The error's <c>extensions.data</c>.</summary>
    public IReadOnlyDictionary<string, object?> Fields { get; }
}
