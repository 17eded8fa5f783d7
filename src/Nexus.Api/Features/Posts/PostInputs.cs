using System.Globalization;
using FluentValidation;
using GraphQL.Types;
using Nexus.Api.Features.Connections;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Facebook;
using Nexus.Api.Platforms.Instagram;
using Nexus.Api.Platforms.LinkedIn;
using Nexus.Api.Platforms.Pinterest;
using Nexus.Api.Platforms.TikTok;
using Nexus.Api.Platforms.X;
using Nexus.Api.Platforms.YouTube;

namespace Nexus.Api.Features.Posts;

public sealed record MediaInput(string Url, MediaKind Kind, string? AltText);

public sealed record PostTargetInput(string ConnectionId, string? Text, List<MediaInput>? Media, Dictionary<string, object?>? Options);

/// <summary>One target as a command carries it: the connection, overrides, and options keyed as the publishers read them.</summary>
public sealed record TargetDraft(Guid ConnectionId, string? Text, IReadOnlyList<MediaRef>? Media, IReadOnlyDictionary<string, string> Options, IReadOnlyList<PlatformId> OptionsFor);

/// <summary>Content shared by drafting and editing: text, media, targets.</summary>
public interface IPostContent
{
    string Text { get; }

    IReadOnlyList<MediaRef> Media { get; }

    IReadOnlyList<TargetDraft> Targets { get; }
}

public static class PostContent
{
    public const int MaxTextLength = 100_000;
    public const int MaxTargets = 50;
    public const int MaxMedia = 20;

    public static IReadOnlyList<MediaRef> MediaOf(IEnumerable<MediaInput>? media) =>
        media is null ? [] : [.. media.Select(m => new MediaRef(m.Url, m.Kind, m.AltText))];

    public static IReadOnlyList<TargetDraft> TargetsOf(IEnumerable<PostTargetInput>? targets) =>
        targets is null ? [] : [.. targets.Select(t =>
        {
            GlobalId.TryParse(t.ConnectionId, ConnectionType.TypeName, out var connectionId);
            var (platforms, options) = PostOptionsInputType.Flatten(t.Options);
            return new TargetDraft(connectionId, t.Text, t.Media is null ? null : MediaOf(t.Media), options, platforms);
        })];

    /// <summary>The rules every post's content follows whatever its platforms; each platform's own come at preflight.</summary>
    public static void Rules<T>(AbstractValidator<T> validator) where T : IPostContent
    {
        validator.RuleFor(c => c.Text).NotNull().MaximumLength(MaxTextLength);
        validator.RuleFor(c => c.Media).Must(m => m.Count <= MaxMedia).WithMessage($"A post carries at most {MaxMedia} media.");
        validator.RuleForEach(c => c.Media).ChildRules(MediaRules);
        validator.RuleFor(c => c.Targets).NotEmpty().WithMessage("Choose at least one connected account to publish to.")
            .Must(t => t.Count <= MaxTargets).WithMessage($"A post has at most {MaxTargets} targets.")
            .Must(t => t.Select(x => x.ConnectionId).Distinct().Count() == t.Count).WithMessage("Each connected account can be a target only once.");
        validator.RuleForEach(c => c.Targets).ChildRules(target =>
        {
            target.RuleFor(t => t.ConnectionId).NotEqual(Guid.Empty).WithMessage("The connection id is not valid.");
            target.RuleFor(t => t.Text).MaximumLength(MaxTextLength);
            target.RuleFor(t => t.OptionsFor).Must(p => p.Count <= 1).WithMessage("Give the options of the target's platform only.").OverridePropertyName("options");
            target.RuleFor(t => t.Media).Must(m => m is null || m.Count <= MaxMedia).WithMessage($"A target carries at most {MaxMedia} media.");
            target.RuleForEach(t => t.Media).ChildRules(MediaRules);
        });
    }

    private static void MediaRules(InlineValidator<MediaRef> media) =>
        media.RuleFor(m => m.Url).Must(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
            .WithMessage("Media must be an absolute http(s) URL the platforms can fetch.");

    /// <summary>Targets as stored: ids kept for targets that stay (so their history stays theirs), new ones for new accounts.</summary>
    public static IReadOnlyList<TargetContent> Targets(IReadOnlyList<TargetDraft> drafts, IReadOnlyDictionary<Guid, Connection> connections, Post? existing, DateTimeOffset now) =>
        [.. drafts.Select(d => new TargetContent(
            existing?.Targets.FirstOrDefault(t => t.ConnectionId == d.ConnectionId)?.Id ?? Guid.CreateVersion7(now),
            d.ConnectionId, connections[d.ConnectionId].Platform, d.Text, d.Media, d.Options))];

    /// <summary>Targets must name connections of this workspace, and options must be for the target's platform.</summary>
    public static IReadOnlyList<MutationError> CheckTargets(IReadOnlyList<TargetDraft> drafts, IReadOnlyDictionary<Guid, Connection> connections, Guid workspaceId)
    {
        var errors = new List<MutationError>();
        for (var i = 0; i < drafts.Count; i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            if (!connections.TryGetValue(drafts[i].ConnectionId, out var connection) || connection.WorkspaceId != workspaceId)
            {
                errors.Add(new ConnectionNotFoundError(["input", "targets", index, "connectionId"]));
            }
            else if (drafts[i].OptionsFor is [var platform] && platform != connection.Platform)
            {
                errors.Add(new PlatformRuleError($"These options are for {platform}; this target publishes to {connection.Platform}.", ["input", "targets", index, "options"]));
            }
        }

        return errors;
    }
}

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

public sealed record PostStateError(string Message, IReadOnlyList<string>? Path = null) : MutationError("INVALID_STATE", Message, Path ?? ["input", "postId"]);

public sealed record InThePastError(DateTimeOffset Instant)
    : MutationError("IN_THE_PAST", $"{Instant:yyyy-MM-dd HH:mm} UTC has passed; choose a time in the future, or publish now.", ["input", "at"]);

public sealed class MediaInputType : InputObjectGraphType<MediaInput>
{
    public MediaInputType()
    {
        Name = "MediaInput";
        Description = "A media item by URL (the platforms, or Nexus for upload flows, fetch it when publishing).";
        Field<NonNullGraphType<StringGraphType>>("url");
        Field<NonNullGraphType<MediaKindType>>("kind");
        Field<StringGraphType>("altText").Description("Alternative text, where the platform supports it.");
    }
}

public sealed class PostTargetInputType : InputObjectGraphType<PostTargetInput>
{
    public PostTargetInputType()
    {
        Name = "PostTargetInput";
        Description = "One connected account to publish to, with optional overrides of the post's text and media.";
        Field<NonNullGraphType<IdGraphType>>("connectionId");
        Field<StringGraphType>("text").Description("This account's own text; the post's text when omitted.");
        Field<ListGraphType<NonNullGraphType<MediaInputType>>>("media").Description("This account's own media; the post's media when omitted.");
        Field<PostOptionsInputType>("options").Description("The platform's own settings; give the object of the target's platform only.");
    }
}

/// <summary>
/// <c>PostOptionsInput</c>: one object per platform, whose fields are the options its publisher reads (see each
/// publisher in <c>Platforms/</c>). Stored flattened as strings, exactly as <see cref="PublishRequest.Options"/> takes them.
/// </summary>
public sealed class PostOptionsInputType : InputObjectGraphType
{
    private static readonly (PlatformId Platform, string Field, string TypeName, string Description, (string Name, Type Type, string Description)[] Options)[] Platforms =
    [
        (PlatformId.Instagram, "instagram", "InstagramOptionsInput", "Instagram: format and reel settings, first comment.",
        [
            (InstagramPostOptions.Format, typeof(StringGraphType), "feed (default), reel, story or carousel."),
            (InstagramPostOptions.ShareToFeed, typeof(BooleanGraphType), "Reels: also show in the feed."),
            (InstagramPostOptions.CoverUrl, typeof(StringGraphType), "Reels: a public JPEG URL for the cover."),
            (InstagramPostOptions.ThumbOffset, typeof(IntGraphType), "Reels: the cover frame's offset in milliseconds."),
            (InstagramPostOptions.FirstComment, typeof(StringGraphType), "A comment posted right after publishing (not on stories)."),
        ]),
        (PlatformId.Facebook, "facebook", "FacebookOptionsInput", "Facebook Pages: format, link, video title, first comment.",
        [
            (FacebookPostOptions.Format, typeof(StringGraphType), "feed (default) or reel."),
            (FacebookPostOptions.Link, typeof(StringGraphType), "A URL shared with a text post."),
            (FacebookPostOptions.Title, typeof(StringGraphType), "A video's title."),
            (FacebookPostOptions.FirstComment, typeof(StringGraphType), "A comment posted right after publishing."),
        ]),
        (PlatformId.X, "x", "XOptionsInput", "X: who may reply, reply-to, first reply.",
        [
            (XPublisher.ReplySettingsOption, typeof(StringGraphType), "following, mentionedUsers, subscribers or verified."),
            (XPublisher.ReplyToOption, typeof(StringGraphType), "The id of a post to reply to."),
            (XPublisher.FirstCommentOption, typeof(StringGraphType), "A reply posted right after publishing."),
        ]),
        (PlatformId.LinkedIn, "linkedin", "LinkedInOptionsInput", "LinkedIn: visibility, resharing, first comment, video title.",
        [
            (LinkedInPublisher.VisibilityOption, typeof(StringGraphType), "PUBLIC (default), CONNECTIONS or LOGGED_IN."),
            (LinkedInPublisher.DisableReshareOption, typeof(BooleanGraphType), "Forbid resharing."),
            (LinkedInPublisher.FirstCommentOption, typeof(StringGraphType), "A comment posted right after publishing."),
            (LinkedInPublisher.VideoTitleOption, typeof(StringGraphType), "A video's title."),
        ]),
        (PlatformId.TikTok, "tiktok", "TikTokOptionsInput", "TikTok: privacy and interaction settings, as the creator's info allows.",
        [
            (TikTokPublisher.PrivacyLevel, typeof(StringGraphType), "One of the creator's privacy_level_options (e.g. PUBLIC_TO_EVERYONE, SELF_ONLY); required."),
            (TikTokPublisher.DisableComment, typeof(BooleanGraphType), "Turn comments off."),
            (TikTokPublisher.DisableDuet, typeof(BooleanGraphType), "Turn duets off."),
            (TikTokPublisher.DisableStitch, typeof(BooleanGraphType), "Turn stitches off."),
            (TikTokPublisher.Title, typeof(StringGraphType), "Photo posts: the title."),
            (TikTokPublisher.VideoCoverTimestampMs, typeof(IntGraphType), "Videos: the cover frame in milliseconds."),
            (TikTokPublisher.PhotoCoverIndex, typeof(IntGraphType), "Photo posts: which photo is the cover."),
            (TikTokPublisher.AutoAddMusic, typeof(BooleanGraphType), "Photo posts: add music automatically."),
        ]),
        (PlatformId.YouTube, "youtube", "YouTubeOptionsInput", "YouTube: title, privacy, category, tags, audience.",
        [
            (YouTubePublisher.Title, typeof(StringGraphType), "The video's title (else the text's first line)."),
            (YouTubePublisher.PrivacyStatus, typeof(StringGraphType), "public, unlisted or private."),
            (YouTubePublisher.CategoryId, typeof(StringGraphType), "A YouTube category id (digits)."),
            (YouTubePublisher.Tags, typeof(ListGraphType<NonNullGraphType<StringGraphType>>), "Tags."),
            (YouTubePublisher.MadeForKids, typeof(BooleanGraphType), "Whether the video is made for kids."),
            (YouTubePublisher.NotifySubscribers, typeof(BooleanGraphType), "Notify subscribers."),
        ]),
        (PlatformId.Pinterest, "pinterest", "PinterestOptionsInput", "Pinterest: board (required), link, title, alt text, cover.",
        [
            (PinterestPublisher.BoardId, typeof(StringGraphType), "The board to pin to."),
            (PinterestPublisher.BoardSectionId, typeof(StringGraphType), "A section of that board."),
            (PinterestPublisher.Title, typeof(StringGraphType), "The pin's title."),
            (PinterestPublisher.Link, typeof(StringGraphType), "Where the pin links to."),
            (PinterestPublisher.AltText, typeof(StringGraphType), "Alternative text."),
            (PinterestPublisher.CoverImageUrl, typeof(StringGraphType), "Videos: a cover image URL."),
            (PinterestPublisher.CoverImageKeyFrameTime, typeof(IntGraphType), "Videos: the cover frame's time in seconds."),
        ]),
    ];

    public PostOptionsInputType()
    {
        Name = "PostOptionsInput";
        Description = "A target's platform settings: fill in the object of the target's platform.";
        foreach (var (_, field, typeName, description, options) in Platforms)
        {
            var type = new InputObjectGraphType { Name = typeName, Description = description };
            foreach (var (name, graphType, optionDescription) in options)
            {
                type.AddField(new FieldType { Name = name, Type = graphType, Description = optionDescription });
            }

            Field(field, type).Description(description);
        }
    }

    /// <summary>The field of <c>PostOptionsInput</c> that holds a platform's options (null when it has none).</summary>
    public static string? FieldOf(PlatformId platform) => Array.Find(Platforms, p => p.Platform == platform).Field;

    /// <summary>The platforms options were given for (one, when used right) and the options as strings (lists comma-joined).</summary>
    public static (IReadOnlyList<PlatformId> Platforms, IReadOnlyDictionary<string, string> Options) Flatten(Dictionary<string, object?>? input)
    {
        var given = input?.Where(p => p.Value is not null).ToList() ?? [];
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in given.SelectMany(p => (IEnumerable<KeyValuePair<string, object?>>)(Dictionary<string, object?>)p.Value!))
        {
            var text = value switch
            {
                null => null,
                bool b => b ? "true" : "false",
                IEnumerable<object> list => string.Join(',', list),
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            if (text is not null)
            {
                options[key] = text;
            }
        }

        return ([.. given.Select(g => Platforms.First(p => p.Field == g.Key).Platform)], options);
    }
}
