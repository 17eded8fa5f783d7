using System.Globalization;
using FluentValidation;
using GraphQL.Types;
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
