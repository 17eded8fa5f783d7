using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Webhooks;
using Nexus.Api.Platforms;

namespace Nexus.Api.Tests.Features.Webhooks;

/// <summary>What a platform's confirmation or failure does to a target, by calling the handlers.</summary>
public sealed class PlatformConfirmationTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid PostId = Guid.CreateVersion7(), Target = Guid.CreateVersion7(), User = Guid.CreateVersion7();

    private static Post Publishing() =>
        Post.Create(new PostDrafted(PostId, Guid.CreateVersion7(), User, "hello", [new MediaRef("https://cdn/v.mp4", MediaKind.Video)],
                [new TargetContent(Target, Guid.CreateVersion7(), PlatformId.TikTok, null, null, new Dictionary<string, string>())], Now))
            .Apply(new PostPublicationStarted(PostId, true, User, Now))
            .Apply(new TargetPublishAttempted(PostId, Target, 1, "k", Now));

    [Fact]
    public void an_unconfirmed_target_that_the_platform_confirms_is_published_reconciled()
    {
        var unconfirmed = Publishing().Apply(new TargetUnconfirmed(PostId, Target, 1, "no answer", Now));
        var published = Assert.IsType<TargetPublished>(Assert.Single(ConfirmPlatformPublicationHandler.Handle(new(PostId, Target, "7300", "https://tiktok/7300"), unconfirmed, Now).Item1));
        Assert.Equal((1, "7300", true), (published.Attempt, published.ExternalId, published.Reconciled));
        Assert.Equal(PostStatus.Published, unconfirmed.Apply(published).Status);
    }

    [Fact]
    public void a_target_still_publishing_is_left_to_its_attempt_and_looked_at_again_and_a_published_one_is_left_alone()
    {
        var (events, messages) = ConfirmPlatformPublicationHandler.Handle(new(PostId, Target, "p1", null), Publishing(), Now);
        Assert.Empty(events);
        // Wrapped with its delay by DelayedFor: the command is the wrapper's Message.
        var again = Assert.Single(messages);
        var command = Assert.IsType<ConfirmPlatformPublication>(again.GetType().GetProperty("Message")?.GetValue(again) ?? again);
        Assert.Equal(1, command.Checks);
        Assert.Equal((0, 0), (ConfirmPlatformPublicationHandler.Handle(new(PostId, Target, "p1", null, ConfirmPlatformPublicationHandler.MaxChecks), Publishing(), Now) is var (e, m) ? (e.Count, m.Count) : default));

        var published = Publishing().Apply(new TargetPublished(PostId, Target, 1, "p1", null, false, Now));
        Assert.Empty(ConfirmPlatformPublicationHandler.Handle(new(PostId, Target, "p1", null), published, Now).Item1);
        Assert.Empty(ConfirmPlatformPublicationHandler.Handle(new(PostId, Target, "p1", null), published, Now).Item2);
        Assert.Empty(ConfirmPlatformPublicationHandler.Handle(new(PostId, Guid.NewGuid(), "p1", null), published, Now).Item1);
        Assert.Empty(ConfirmPlatformPublicationHandler.Handle(new(PostId, Target, "p1", null), null, Now).Item1);
    }

    [Fact]
    public void the_platforms_failure_fails_only_an_unconfirmed_target()
    {
        var unconfirmed = Publishing().Apply(new TargetUnconfirmed(PostId, Target, 1, "no answer", Now));
        var failed = unconfirmed.Apply((TargetPublishFailed)Assert.Single(RecordPlatformPublicationFailureHandler.Handle(new(PostId, Target, "TikTok could not publish it."), unconfirmed, Now)));
        Assert.Equal((TargetStatus.Failed, "PLATFORM_REJECTED"), (failed.Targets[0].Status, failed.Targets[0].LastError!.Code));
        Assert.Empty(RecordPlatformPublicationFailureHandler.Handle(new(PostId, Target, "late"), Publishing(), Now));
    }
}
