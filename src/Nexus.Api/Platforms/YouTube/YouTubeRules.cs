using System.Text;

namespace Nexus.Api.Platforms.YouTube;

/// <summary>
/// YouTube's upload rules (PLATFORMS.md §6): exactly one video (≤256 GB); the post text is the description, at most
/// 5000 <em>bytes</em> of UTF-8 and without <c>&lt;</c> or <c>&gt;</c>; the title (option <c>title</c>, else the
/// text's first line) at most 100 characters without <c>&lt;</c> or <c>&gt;</c>; tags at most 500 characters in all
/// (counted as YouTube does: joined by commas, a tag with a space counting its quotes); <c>privacyStatus</c> public,
/// unlisted or private.
/// </summary>
public sealed class YouTubeRules : IPlatformRules
{
    public const int MaxTitleLength = 100;
    public const int MaxDescriptionBytes = 5000;
    public const int MaxTagsLength = 500;
    public const long MaxVideoBytes = 256L * 1024 * 1024 * 1024;

    internal static readonly string[] PrivacyStatuses = ["public", "unlisted", "private"];

    public PlatformId Platform => PlatformId.YouTube;

    /// <summary>Videos: ≤256 GB; PLATFORMS.md names no type, codec, frame rate or duration limit, so YouTube decides those.</summary>
    public static readonly VideoSpec Video = new("YouTube", "youtube_video", [], "", [], "", 0, double.MaxValue, MaxVideoBytes);

    public IReadOnlyList<RuleViolation> Check(PublishRequest post)
    {
        var violations = new List<RuleViolation>();
        var bytes = Encoding.UTF8.GetByteCount(post.Text);
        if (bytes > MaxDescriptionBytes)
        {
            violations.Add(new("text", $"A YouTube description is at most {MaxDescriptionBytes} bytes of UTF-8; this one is {bytes}."));
        }

        if (HasAngleBrackets(post.Text))
        {
            violations.Add(new("text", "YouTube does not allow < or > in a description."));
        }

        if (post.Media.Count != 1 || post.Media[0].Kind != MediaKind.Video)
        {
            violations.Add(new("media", "A YouTube upload is exactly one video."));
        }

        for (var i = 0; i < post.Media.Count; i++)
        {
            if (post.Media[i] is { LibraryId: not null, Kind: MediaKind.Video } item)
            {
                violations.AddRange(MediaFitting.CheckVideo(Video, item, $"media[{i}]"));
            }
            else if (post.Media[i].SizeBytes > MaxVideoBytes)
            {
                violations.Add(new($"media[{i}]", "YouTube videos are at most 256 GB."));
            }
        }

        var titleField = YouTubePostOptions.Title.IsSet(post) ? $"options.{YouTubePostOptions.Title}" : "text";
        var title = YouTubePublisher.TitleOf(post);
        if (string.IsNullOrWhiteSpace(title))
        {
            violations.Add(new($"options.{YouTubePostOptions.Title}", "A YouTube video needs a title: set the title option or start the text with one."));
        }
        else if (YouTubePostOptions.Title.IsSet(post))
        {
            // A title taken from the text is cut to fit; one given explicitly is checked as it is.
            if (title.Length > MaxTitleLength)
            {
                violations.Add(new(titleField, $"A YouTube title is at most {MaxTitleLength} characters; this one has {title.Length}."));
            }

            if (HasAngleBrackets(title))
            {
                violations.Add(new(titleField, "YouTube does not allow < or > in a title."));
            }
        }

        if (YouTubePostOptions.PrivacyStatus.TryGet(post, out var privacy) && !PrivacyStatuses.Contains(privacy, StringComparer.Ordinal))
        {
            violations.Add(new($"options.{YouTubePostOptions.PrivacyStatus}", $"Use one of {string.Join(", ", PrivacyStatuses)}."));
        }

        var tags = YouTubePublisher.TagsOf(post);
        var tagsLength = tags.Sum(t => t.Length + (t.Contains(' ', StringComparison.Ordinal) ? 2 : 0)) + Math.Max(0, tags.Count - 1);
        if (tagsLength > MaxTagsLength)
        {
            violations.Add(new($"options.{YouTubePostOptions.Tags}", $"YouTube tags are at most {MaxTagsLength} characters in all; these count {tagsLength}."));
        }

        if (tags.Any(HasAngleBrackets))
        {
            violations.Add(new($"options.{YouTubePostOptions.Tags}", "YouTube does not allow < or > in tags."));
        }

        if (YouTubePostOptions.CategoryId.TryGet(post, out var category) && !(category.Length > 0 && category.All(char.IsAsciiDigit)))
        {
            violations.Add(new($"options.{YouTubePostOptions.CategoryId}", "Use a numeric YouTube video category id (e.g. 22, People & Blogs)."));
        }

        foreach (var key in new[] { YouTubePostOptions.NotifySubscribers, YouTubePostOptions.MadeForKids })
        {
            if (key.TryGet(post, out var flag) && !bool.TryParse(flag, out _))
            {
                violations.Add(new($"options.{key}", "Use true or false."));
            }
        }

        violations.AddRange(YouTubePostOptions.Schema.Undeclared(post));
        return violations;
    }

    private static bool HasAngleBrackets(string text) => text.AsSpan().IndexOfAny('<', '>') >= 0;
}
