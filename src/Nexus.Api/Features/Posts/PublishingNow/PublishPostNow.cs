using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.PublishingNow;

using PublishPostNowOutcome = Outcome<Guid, PostNotFoundError, VersionConflictError, PostStateError, PlatformRuleError, NotConnectedError, EmptyPostError, MediaDeletedError, PlanLimitError>;

/// <summary>Publishes a draft, scheduled or cancelled post at once, after the same preflight as scheduling.</summary>
public sealed record PublishPostNow(Guid PostId, Guid UserId, int? ExpectedVersion);

public static class PublishPostNowHandler
{
    public static Task<PostSurroundings> LoadAsync(Post? post, IQuerySession session, CancellationToken ct) =>
        PostSurroundings.OfAsync(post, session, withWorkspace: false, ct);

    // Publishing now puts the post in the current month of the workspace's zone: counted there as if scheduled now.
    public static async Task<(MediaUses, PlanRoom)> BeforeAsync(Post? post, IDocumentSession session, IOptions<BillingOptions> billing, DateTimeOffset now, CancellationToken ct) =>
        (await MediaUses.ForPostAsync(post, session, ct), await PostPlanLimits.CheckAsync(session, billing.Value, post, now, now, ct));

    public static (PublishPostNowOutcome, Events, OutgoingMessages) Handle(PublishPostNow command, [WriteAggregate(Required = false)] Post? post, PostSurroundings around,
        Preflight preflight, DateTimeOffset now, MediaUses? media = null, PlanRoom? plan = null)
    {
        if (post is null)
        {
            return (new PostNotFoundError(), [], []);
        }

        if (post.Refuses(PostAction.PublishNow, command.ExpectedVersion) is { } refusal)
        {
            return (refusal.Match<PublishPostNowOutcome>(e => e, e => e), [], []);
        }

        if (preflight.Check(post, around.Connections) is { Count: > 0 } issues)
        {
            return (PublishPostNowOutcome.Fail(issues.Select(i => i.ToError().Match<PublishPostNowOutcome.Error>(e => e, e => e, e => e))), [], []);
        }

        if (media?.Refusal(post.WorkspaceId) is { } gone)
        {
            return (gone, [], []);
        }

        if (plan?.Refusal is { } full)
        {
            return (full, [], []);
        }

        media?.Record(post.Id, now);
        var (started, targets) = post.StartPublication(immediate: true, command.UserId, now);
        return (post.Id, [started], [.. targets]);
    }
}

public sealed class PublishPostNowMutation() : Mutation<PostActionInput, PublishPostNow, Guid>("publishPostNow",
    "Publishes a post now instead of at its time, after the same checks as schedulePost. Watch `postChanged` or `post.status` for the outcome.",
    PostAccess.Needs(Role.Editor).Scope(AppScope.PostsWrite), PostPayloads.Post, (input, caller) => new(caller.PostId(), caller.ActorId, input.ExpectedVersion));
