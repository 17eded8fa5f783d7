using System.Globalization;
using System.Text.Json;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Fitting;

using FitOutcome = Outcome<FitStarted, PostNotFoundError, VersionConflictError, PostStateError>;

/// <summary>
/// Makes variants of a post's library media that fit each target's platform: for every target whose library items
/// break its platform's rules, the fixes preflight plans are started as processing jobs; each variant replaces the item
/// in that target's media when its job succeeds (<see cref="FitJobFinishedHandler"/>).
/// </summary>
public sealed record FitMediaToTargets(Guid PostId, Guid UserId, int? ExpectedVersion = null);

/// <summary>The post and the processing jobs started for it (none when every target's media already fits or is being fitted).</summary>
public sealed record FitStarted(Guid PostId, IReadOnlyList<Guid> JobIds);

/// <summary>One job to start: its source, its first operation and those after it, and the target media waiting for it.</summary>
public sealed record PlannedFit(Guid SourceId, IReadOnlyList<MediaOperation> Operations, IReadOnlyList<(Guid TargetId, int Index)> Waiting);

public static class FitPlanner
{
    private static readonly JsonSerializerOptions Json = new();

    /// <summary>
    /// The jobs that make every target's library media fit: from the fixes preflight plans (<see cref="Preflight.Violations"/>),
    /// one job per distinct (source, operations) pair whatever the number of targets that need it; media already being
    /// fitted are left to their job. Pure.
    /// </summary>
    public static IReadOnlyList<PlannedFit> Plan(Post post, Preflight preflight)
    {
        var planned = new Dictionary<string, PlannedFit>(StringComparer.Ordinal);
        foreach (var target in post.Targets)
        {
            var media = target.EffectiveMedia(post);
            var fixes = preflight.Violations(post, target)
                .Where(v => v.Fix is { Count: > 0 })
                .Select(v => (Index: IndexOf(v.Field), v.Fix))
                .Where(x => x.Index is { } i && i < media.Count && media[i].MediaId is not null)
                .GroupBy(x => x.Index!.Value);
            foreach (var fix in fixes)
            {
                var index = fix.Key;
                if (target.Fits.Any(f => f.Index == index && f.Status == MediaFitStatus.Fitting && f.SourceId == media[index].MediaId))
                {
                    continue;
                }

                var operations = fix.First().Fix!;
                var source = media[index].MediaId!.Value;
                var key = source.ToString("N") + JsonSerializer.Serialize(operations, Json);
                planned[key] = planned.TryGetValue(key, out var same)
                    ? same with { Waiting = [.. same.Waiting, (target.Id, index)] }
                    : new PlannedFit(source, operations, [(target.Id, index)]);
            }
        }

        return [.. planned.Values];
    }

    private static int? IndexOf(string field) =>
        field.StartsWith("media[", StringComparison.Ordinal) && field.EndsWith(']')
        && int.TryParse(field.AsSpan(6, field.Length - 7), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
}

public static class FitMediaToTargetsHandler
{
    public static (FitOutcome, Events, OutgoingMessages) Handle(FitMediaToTargets command, [WriteAggregate(Required = false)] Post? post, Preflight preflight,
        IDocumentSession session, DateTimeOffset now)
    {
        if (post is null)
        {
            return (new PostNotFoundError(), [], []);
        }

        if (post.Refuses(PostAction.Edit, command.ExpectedVersion) is { } refusal)
        {
            return (refusal.Match<FitOutcome>(e => e, e => e), [], []);
        }

        var plan = FitPlanner.Plan(post, preflight);
        if (plan.Count == 0)
        {
            return (new FitStarted(post.Id, []), [], []);
        }

        var messages = new OutgoingMessages();
        var starts = new List<MediaFitStart>();
        var jobs = new List<Guid>();
        foreach (var fit in plan)
        {
            var (first, waiting) = (fit.Waiting[0], fit.Waiting);
            var (stream, run) = MediaJobs.Request(post.WorkspaceId, fit.SourceId, fit.Operations[0], new FitPurpose(post.Id, first.TargetId, first.Index), command.UserId, now);
            // The job's stream goes in this handler's transaction, with the post's event and the message that runs it.
            stream.Execute(session);
            messages.Add(run);
            jobs.Add(run.JobId);
            starts.AddRange(waiting.Select(w => new MediaFitStart(w.TargetId, w.Index, fit.SourceId, run.JobId, fit.Operations[0], [.. fit.Operations.Skip(1)])));
        }

        return (new FitStarted(post.Id, jobs), [new TargetMediaFitting(post.Id, starts, command.UserId, now)], messages);
    }
}

public sealed class FitMediaToTargetsMutation() : Mutation<PostActionInput, FitMediaToTargets, FitStarted>("fitMediaToTargets",
    "Makes variants of the post's library media that fit each target's platform (the fixes `post.warnings` lists): one processing job per distinct source and operation, " +
    "whose variant replaces the item in the media of the targets that need it when it succeeds (`targets.mediaFits`). Nothing to do: `jobIds` is empty.",
    PostAccess.Needs(Role.Editor).Scope(AppScope.MediaWrite), FitPayloads.Post, (input, caller) => new(caller.PostId(), caller.ActorId, input.ExpectedVersion));

public static class FitPayloads
{
    public const string JobTypeName = "MediaJob";

    public static Payload<FitStarted> Post { get; } = Payload<FitStarted>.Always<PostType>("post", null, async (context, started) =>
    {
        var postId = started?.PostId ?? PostAccess.InputPostId(context);
        return postId == Guid.Empty ? null : await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Post>(postId, context.CancellationToken);
    }).And<ListGraphType<NonNullGraphType<IdGraphType>>>("jobIds", "The processing jobs started (`MediaJob` ids; see `mediaProcessing`).",
        started => started.JobIds.Select(id => GlobalId.Encode(JobTypeName, id)).ToList());
}
