using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Fitting;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Instagram;
using Nexus.Api.Platforms.LinkedIn;
using Nexus.Api.Platforms.Pinterest;
using Nexus.Api.Platforms.Sandbox;
using Nexus.Api.Platforms.TikTok;
using Nexus.Api.Platforms.X;
using Nexus.Api.Platforms.YouTube;

namespace Nexus.Api.Tests.Features.Media;

/// <summary>Preflight from facts per platform, fit planning and a finished fitting job, all pure.</summary>
public sealed class MediaFitTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Workspace = Guid.CreateVersion7();
    private static readonly Guid User = Guid.CreateVersion7();

    private static readonly Preflight Checks = new([new InstagramRules(), new SandboxRules(), new XRules(Options.Create(new XOptions())), new TikTokRules(),
        new LinkedInRules(), new PinterestRules(), new YouTubeRules()]);

    private static readonly MediaFacts Panorama = new(MediaKind.Image, "image/jpeg", 900_000, 3000, 1000);
    private static readonly MediaFacts SlowVideo = new(MediaKind.Video, "video/mp4", 2_000_000, 1920, 1080, 4, 15, "h264", "aac");
    private static readonly MediaFacts LongVp9 = new(MediaKind.Video, "video/webm", 50_000_000, 1280, 720, 30 * 60, 30, "vp9", "opus");
    private static readonly MediaFacts Song = new(MediaKind.Audio, "audio/mp4", 1_000_000, DurationSeconds: 60, AudioCodec: "aac");

    public static TheoryData<PlatformId, string, string?> Cases => new()
    {
        { PlatformId.Instagram, "panorama", "crop to 1.91:1" },
        { PlatformId.Instagram, "slow", "transcode to 30 fps" },
        { PlatformId.Sandbox, "panorama", "crop to 1.91:1" },
        { PlatformId.X, "slow", "1280×1024" },
        { PlatformId.X, "long", "transcode to H.264" },
        { PlatformId.TikTok, "long", "shorten to 10 minutes" },
        { PlatformId.LinkedIn, "long", "transcode to MP4" },
        { PlatformId.Pinterest, "long", "shorten to 15 minutes" },
        { PlatformId.YouTube, "slow", null },
        { PlatformId.Instagram, "song", "does not take audio" },
        { PlatformId.Sandbox, "song", "does not take audio" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void preflight_checks_library_media_from_its_facts_and_says_the_fix(PlatformId platform, string media, string? fix)
    {
        var post = Draft(platform, Item(media));
        var messages = Checks.Check(post, Connections(post)).Select(i => i.Message).ToList();
        if (fix is null)
        {
            Assert.Empty(messages);
        }
        else
        {
            Assert.Contains(messages, m => m.Contains(fix, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void url_media_keeps_todays_checks_since_its_facts_are_unknown()
    {
        var post = Draft(PlatformId.Instagram, new MediaRef("https://cdn.example/p.jpg", MediaKind.Image));
        Assert.Empty(Checks.Check(post, Connections(post)));
    }

    [Fact]
    public void a_panorama_for_instagram_is_cropped_into_the_allowed_range_at_an_allowed_width_as_jpeg()
    {
        var item = Preflight.ItemOf(Item("panorama"));
        var plan = Assert.Single(MediaFitting.PlanImage(InstagramRules.FeedImage, item)!);
        Assert.Equal(new ResizeImage(new AspectRatio(1.91, 1), 1440, Format: ImageFormat.Jpeg), plan);

        var tall = Preflight.ItemOf(MediaRef.Library(Asset(new MediaFacts(MediaKind.Image, "image/png", 100_000, 1000, 3000)), null));
        Assert.Equal(new ResizeImage(new AspectRatio(4, 5), 1000, Format: ImageFormat.Jpeg), Assert.Single(MediaFitting.PlanImage(InstagramRules.FeedImage, tall)!));
    }

    [Fact]
    public void a_long_video_in_the_wrong_codec_is_trimmed_then_transcoded_with_the_platforms_preset()
    {
        var plan = MediaFitting.PlanVideo(TikTokRules.Video, Preflight.ItemOf(Item("long")) with { MimeType = "video/x-matroska" });
        Assert.Equal([new TrimMedia(0, 600), new TranscodeVideo("tiktok_video")], plan);
        Assert.Null(MediaFitting.PlanVideo(InstagramRules.Reel, Preflight.ItemOf(Item("slow")) with { Duration = TimeSpan.FromSeconds(1) }));
    }

    [Fact]
    public void fitting_plans_one_job_per_distinct_source_and_operation_across_targets()
    {
        var photo = Item("panorama");
        var video = Item("slow");
        var post = Draft([PlatformId.Instagram, PlatformId.Sandbox], photo, video);
        var plan = FitPlanner.Plan(post, Checks);
        Assert.Equal(2, plan.Count);
        Assert.All(plan, p => Assert.Equal(2, p.Waiting.Count));
        Assert.Contains(plan, p => p.SourceId == photo.MediaId && p.Operations is [ResizeImage]);
        Assert.Contains(plan, p => p.SourceId == video.MediaId && p.Operations is [TranscodeVideo { Preset: "instagram_reel" }]);
    }

    [Fact]
    public void a_finished_job_gives_each_waiting_target_the_variant_and_a_fitted_post_has_nothing_to_do()
    {
        var photo = Item("panorama");
        var post = Draft([PlatformId.Instagram, PlatformId.Sandbox], photo);
        var fit = Assert.Single(FitPlanner.Plan(post, Checks));
        var jobId = Guid.CreateVersion7();
        post = post.Apply(new TargetMediaFitting(post.Id, [.. fit.Waiting.Select(w => new MediaFitStart(w.TargetId, w.Index, fit.SourceId, jobId, fit.Operations[0], []))], User, Now));
        Assert.Empty(FitPlanner.Plan(post, Checks));

        var variant = Asset(new MediaFacts(MediaKind.Image, "image/jpeg", 300_000, 1440, 754));
        var finished = new FitJobFinished(jobId, new FitPurpose(post.Id, post.Targets[0].Id, 0), fit.SourceId, variant.Id, null, null);
        var (events, next) = FitJobFinishedHandler.Decide(post, finished, variant, User, Now);
        Assert.Null(next);
        post = post.Apply((TargetMediaFitted)Assert.Single(events));

        Assert.All(post.Targets, t => Assert.Equal(variant.Id, t.EffectiveMedia(post)[0].MediaId));
        Assert.Equal(photo.MediaId, post.Media[0].MediaId);
        Assert.All(post.Targets, t => Assert.Equal(MediaFitStatus.Fitted, Assert.Single(t.Fits).Status));
        Assert.Empty(Checks.Check(post, Connections(post)));
        Assert.Empty(FitPlanner.Plan(post, Checks));
        Assert.Empty(FitJobFinishedHandler.Decide(post, finished, variant, User, Now).Events);
    }

    [Fact]
    public void a_failed_job_is_recorded_on_the_targets_and_preflight_keeps_warning()
    {
        var post = Draft([PlatformId.Instagram], Item("slow"));
        var fit = Assert.Single(FitPlanner.Plan(post, Checks));
        var jobId = Guid.CreateVersion7();
        post = post.Apply(new TargetMediaFitting(post.Id, [new MediaFitStart(post.Targets[0].Id, 0, fit.SourceId, jobId, fit.Operations[0], [])], User, Now));
        var (events, _) = FitJobFinishedHandler.Decide(post, new FitJobFinished(jobId, new FitPurpose(post.Id, post.Targets[0].Id, 0), fit.SourceId, null, "FFMPEG_FAILED", "ffmpeg gave up"), null, User, Now);
        post = post.Apply((TargetMediaFitFailed)Assert.Single(events));
        Assert.Equal("FFMPEG_FAILED", Assert.Single(post.Targets[0].Fits).Error?.Code);
        Assert.NotEmpty(Checks.Check(post, Connections(post)));
    }

    [Fact]
    public void an_edit_that_replaces_the_fitted_item_forgets_the_fit()
    {
        var post = Draft([PlatformId.Instagram], Item("slow"));
        var jobId = Guid.CreateVersion7();
        var fit = Assert.Single(FitPlanner.Plan(post, Checks));
        post = post.Apply(new TargetMediaFitting(post.Id, [new MediaFitStart(post.Targets[0].Id, 0, fit.SourceId, jobId, fit.Operations[0], [])], User, Now));
        var target = post.Targets[0];
        var edited = post.Apply(new PostEdited(post.Id, "new", [Item("panorama")], [new TargetContent(target.Id, target.ConnectionId, target.Platform, null, null, target.Options)], User, Now));
        Assert.Empty(edited.Targets[0].Fits);
        var kept = post.Apply(new PostEdited(post.Id, "new", post.Media, [new TargetContent(target.Id, target.ConnectionId, target.Platform, null, null, target.Options)], User, Now));
        Assert.Single(kept.Targets[0].Fits);
    }

    private static MediaRef Item(string name) => MediaRef.Library(Asset(name switch
    {
        "panorama" => Panorama,
        "slow" => SlowVideo,
        "long" => LongVp9,
        _ => Song,
    }), null);

    private static MediaAsset Asset(MediaFacts facts)
    {
        var id = Guid.CreateVersion7();
        return MediaAsset.Create(new MediaAdded(id, Workspace, "item", facts, MediaAsset.KeyFor(Workspace, id, facts), MediaOrigin.Upload, null, null, [], User, Now));
    }

    private static Post Draft(PlatformId platform, params MediaRef[] media) => Draft([platform], media);

    private static Post Draft(PlatformId[] platforms, params MediaRef[] media)
    {
        var id = Guid.CreateVersion7();
        var targets = platforms.Select(p => new TargetContent(Guid.CreateVersion7(), Guid.CreateVersion7(), p, null, null, OptionsFor(p))).ToList();
        return Post.Create(new PostDrafted(id, Workspace, User, "hello", media, targets, Now));
    }

    private static Dictionary<string, string> OptionsFor(PlatformId platform) => platform switch
    {
        PlatformId.TikTok => new() { ["privacyLevel"] = "SELF_ONLY" },
        PlatformId.Pinterest => new() { ["boardId"] = "b1", ["coverImageKeyFrameTime"] = "1" },
        PlatformId.YouTube => new() { ["title"] = "A video" },
        _ => [],
    };

    private static Dictionary<Guid, Nexus.Api.Features.Connections.Connection> Connections(Post post) =>
        post.Targets.ToDictionary(t => t.ConnectionId, t => ConnectionOf(t));

    private static Nexus.Api.Features.Connections.Connection ConnectionOf(PostTarget target) =>
        new(target.ConnectionId, Workspace, target.Platform, "ext", "Acme", null, null, AccountKind.BusinessAccount, [], Nexus.Api.Features.Connections.ConnectionStatus.Active,
            null, null, Now, 1, 1);
}
