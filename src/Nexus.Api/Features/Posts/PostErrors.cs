using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Posts;

public sealed record ConnectionNotFoundError(IReadOnlyList<string> Path)
    : MutationError("NOT_FOUND", "There is no such connected account in this workspace.", Path);

public sealed record PlatformRuleError(string Message, IReadOnlyList<string> Path) : MutationError(ErrorCode, Message, Path)
{
    public const string ErrorCode = "PLATFORM_RULE";
}

public sealed record NotConnectedError(string Message, IReadOnlyList<string> Path) : MutationError(ErrorCode, Message, Path)
{
    public const string ErrorCode = "NOT_CONNECTED";
}

/// <summary>A target would publish neither text nor media (its own or the post's).</summary>
public sealed record EmptyPostError(string Message, IReadOnlyList<string> Path) : MutationError(ErrorCode, Message, Path)
{
    public const string ErrorCode = "EMPTY_POST";
}

public sealed record PostNotFoundError()
    : MutationError("NOT_FOUND", "There is no such post (it may have been discarded).", ["input", "postId"]);

public sealed record VersionConflictError(int Current)
    : MutationError("VERSION_CONFLICT", $"The post changed since you loaded it (it is at version {Current}); reload it and apply your change again.", ["input", "expectedVersion"]);

/// <summary>What a person asks of a post as a whole; whether the post's status allows it is <see cref="Post.Allows"/>.</summary>
public enum PostAction
{
    Schedule,
    Reschedule,
    Queue,
    Cancel,
    Edit,
    Discard,
    PublishNow,
}

public sealed record PostStateError(string Message, IReadOnlyList<string>? Path = null) : MutationError("INVALID_STATE", Message, Path ?? ["input", "postId"])
{
    /// <summary>Why a post in <paramref name="status"/> refuses <paramref name="action"/>, in words that say what to do instead.</summary>
    public static PostStateError Refusing(PostAction action, PostStatus status)
    {
        var what = action switch
        {
            PostAction.Schedule => "be scheduled",
            PostAction.Reschedule => "be rescheduled",
            PostAction.Queue => "be queued",
            PostAction.Cancel => "be cancelled",
            PostAction.Edit => "be edited",
            PostAction.Discard => "be discarded",
            _ => "be published again",
        };
        return new(status switch
        {
            PostStatus.Publishing => $"The post is being published; it can no longer {what}.",
            PostStatus.Published or PostStatus.PartiallyPublished or PostStatus.Failed =>
                $"The post was already sent to its platforms; it can no longer {what}. Retry failed targets, or draft a new post.",
            PostStatus.Draft => "The post is a draft; schedule it first.",
            PostStatus.Cancelled => "The post was cancelled; schedule it again first.",
            _ => $"The post cannot {what} now.",
        });
    }
}

public sealed record InThePastError(DateTimeOffset Instant)
    : MutationError("IN_THE_PAST", $"{Instant:yyyy-MM-dd HH:mm} UTC has passed; choose a time in the future, or publish now.", ["input", "at"]);

public sealed record ForceRequiredError()
    : MutationError("FORCE_REQUIRED", "This target is unconfirmed: the platform may already show it. Check the account; retry with force: true to publish it again anyway.", ["input", "force"]);

public sealed record TargetNotFoundError()
    : MutationError("NOT_FOUND", "This post has no such target.", ["input", "targetId"]);
