using System.Globalization;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// TikTok's publishing rules (PLATFORMS.md §5): the text (video title / photo description) ≤2200 UTF-16 units; one
/// video (MP4/WebM/MOV, ≤4 GB, ≤10 min, 360–4096 px per side) or 1–35 photos (JPG/WEBP, ≤20 MB), never mixed;
/// media required. Frame rate (23–60 fps) and codecs are not known to Nexus and are left to TikTok. The creator's own
/// limits (privacy levels offered, longest video) are checked at publish time against <c>creator_info</c>.
/// </summary>
public sealed class TikTokRules : IPlatformRules
{
    public const int MaxTextLength = 2200;
    public const int MaxPhotos = 35;
    public const int MaxPhotoTitleLength = 90;
    public const long MaxVideoBytes = 4L * 1024 * 1024 * 1024;
    public const long MaxPhotoBytes = 20L * 1024 * 1024;
    public const int MinSide = 360;
    public const int MaxSide = 4096;
    public static readonly TimeSpan MaxVideoDuration = TimeSpan.FromMinutes(10);

    internal static readonly string[] PrivacyLevels = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"];
    private static readonly string[] VideoTypes = ["video/mp4", "video/webm", "video/quicktime"];
    private static readonly string[] PhotoTypes = ["image/jpeg", "image/jpg", "image/webp"];
    private static readonly BooleanOption[] Booleans = [TikTokPostOptions.DisableComment, TikTokPostOptions.DisableDuet, TikTokPostOptions.DisableStitch, TikTokPostOptions.AutoAddMusic];

    public PlatformId Platform => PlatformId.TikTok;

    /// <summary>Photos: JPG/WEBP, ≤20 MB.</summary>
    public static readonly ImageSpec Photo = new("TikTok", PhotoTypes, "JPG or WEBP", MaxPhotoBytes);

    /// <summary>Videos: MP4/WebM/MOV, H.264/H.265/VP8/VP9, 23–60 fps, 360–4096 px per side, ≤10 min, ≤4 GB.</summary>
    public static readonly VideoSpec Video = new("TikTok", "tiktok_video", VideoTypes, "MP4, WebM or MOV", ["h264", "hevc", "vp8", "vp9"], "H.264, H.265, VP8 or VP9",
        0, MaxVideoDuration.TotalSeconds, MaxVideoBytes, 23, 60, MinSide, MaxSide, MaxSide);

    public IReadOnlyList<RuleViolation> Check(PublishRequest post)
    {
        var violations = new List<RuleViolation>();
        if (post.Text.Length > MaxTextLength)
        {
            violations.Add(new("text", $"TikTok allows {MaxTextLength} characters (UTF-16 units); this text has {post.Text.Length}."));
        }

        var media = post.Media;
        var videos = media.Count(m => m.Kind == MediaKind.Video);
        if (media.Count == 0)
        {
            violations.Add(new("media", "A TikTok post needs one video or 1–35 photos."));
        }
        else if (videos > 0 && media.Count > 1)
        {
            violations.Add(new("media", "A TikTok post is one video, or photos only: a video cannot share the post with other media."));
        }
        else if (media.Count > MaxPhotos)
        {
            violations.Add(new("media", $"A TikTok photo post takes at most {MaxPhotos} photos; this one has {media.Count}."));
        }

        for (var i = 0; i < media.Count; i++)
        {
            CheckMedia(media[i], $"media[{i}]", violations);
        }

        CheckOptions(post, videos > 0, violations);
        violations.AddRange(TikTokPostOptions.Schema.Undeclared(post));
        return violations;
    }

    private static void CheckMedia(MediaItem item, string field, List<RuleViolation> violations)
    {
        switch (item.Kind)
        {
            case MediaKind.Video when item.LibraryId is not null:
                violations.AddRange(MediaFitting.CheckVideo(Video, item, field));
                break;
            case MediaKind.Image when item.LibraryId is not null:
                violations.AddRange(MediaFitting.CheckImage(Photo, item, field));
                break;
            case MediaKind.Video:
                if (item.MimeType is { } videoType && !VideoTypes.Contains(videoType, StringComparer.OrdinalIgnoreCase))
                {
                    violations.Add(new(field, $"TikTok takes MP4, WebM or MOV videos, not {videoType}."));
                }

                if (item.SizeBytes > MaxVideoBytes)
                {
                    violations.Add(new(field, "TikTok videos are at most 4 GB."));
                }

                if (item.Duration > MaxVideoDuration)
                {
                    violations.Add(new(field, "TikTok videos posted through the API are at most 10 minutes long."));
                }

                foreach (var (side, value) in new[] { ("width", item.Width), ("height", item.Height) })
                {
                    if (value is < MinSide or > MaxSide)
                    {
                        violations.Add(new(field, $"TikTok wants {MinSide}–{MaxSide} px per side; the video's {side} is {value} px."));
                    }
                }

                break;
            case MediaKind.Image:
                if (item.MimeType is { } photoType && !PhotoTypes.Contains(photoType, StringComparer.OrdinalIgnoreCase))
                {
                    violations.Add(new(field, $"TikTok takes JPG or WEBP photos, not {photoType}."));
                }

                if (item.SizeBytes > MaxPhotoBytes)
                {
                    violations.Add(new(field, "TikTok photos are at most 20 MB."));
                }

                break;
            default:
                violations.Add(new(field, "TikTok does not take GIFs: post a video or JPG/WEBP photos."));
                break;
        }
    }

    private static void CheckOptions(PublishRequest post, bool isVideo, List<RuleViolation> violations)
    {
        var mode = TikTokPostOptions.PostMode.Get(post, TikTokPublisher.DirectPost);
        if (mode is not (TikTokPublisher.DirectPost or TikTokPublisher.MediaUpload))
        {
            violations.Add(new($"options.{TikTokPostOptions.PostMode}", $"Use {TikTokPublisher.DirectPost} (publish) or {TikTokPublisher.MediaUpload} (send to the creator's TikTok inbox as a draft)."));
        }

        if (TikTokPostOptions.PrivacyLevel.TryGet(post, out var privacy))
        {
            if (!PrivacyLevels.Contains(privacy, StringComparer.Ordinal))
            {
                violations.Add(new($"options.{TikTokPostOptions.PrivacyLevel}", $"Use one of {string.Join(", ", PrivacyLevels)}."));
            }
        }
        else if (mode == TikTokPublisher.DirectPost)
        {
            // TikTok's content sharing guidelines: the creator picks the audience, there is no default.
            violations.Add(new($"options.{TikTokPostOptions.PrivacyLevel}", "TikTok requires the creator to choose who can see the post; there is no default."));
        }

        foreach (var key in Booleans)
        {
            if (key.TryGet(post, out var value) && !bool.TryParse(value, out _))
            {
                violations.Add(new($"options.{key}", "Use true or false."));
            }
        }

        if (TikTokPostOptions.Source.TryGet(post, out var source))
        {
            if (source is not (TikTokPublisher.PullFromUrl or TikTokPublisher.FileUpload))
            {
                violations.Add(new($"options.{TikTokPostOptions.Source}", $"Use {TikTokPublisher.PullFromUrl} or {TikTokPublisher.FileUpload}."));
            }
            else if (source == TikTokPublisher.FileUpload && !isVideo)
            {
                violations.Add(new($"options.{TikTokPostOptions.Source}", "TikTok pulls photos from their URLs; only videos can be uploaded."));
            }
        }

        if (TikTokPostOptions.VideoCoverTimestampMs.TryGet(post, out var cover) &&
            !(long.TryParse(cover, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms >= 0))
        {
            violations.Add(new($"options.{TikTokPostOptions.VideoCoverTimestampMs}", "Use a whole number of milliseconds."));
        }

        if (TikTokPostOptions.PhotoCoverIndex.TryGet(post, out var index) &&
            !(int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < Math.Max(1, post.Media.Count)))
        {
            violations.Add(new($"options.{TikTokPostOptions.PhotoCoverIndex}", "Use the 0-based index of one of the photos."));
        }

        if (TikTokPostOptions.Title.TryGet(post, out var title) && title.Length > MaxPhotoTitleLength)
        {
            violations.Add(new($"options.{TikTokPostOptions.Title}", $"A TikTok photo title is at most {MaxPhotoTitleLength} characters."));
        }
    }
}
