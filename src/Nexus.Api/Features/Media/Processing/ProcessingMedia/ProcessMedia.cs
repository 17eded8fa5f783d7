using System.ComponentModel;
using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Media.Processing.Watching;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Media.Processing.ProcessingMedia;

/// <summary>Starts a processing job on a library item; its output will be a new item linked to it.</summary>
public sealed record ProcessMedia(Guid MediaId, MediaOperationInput Operation, Guid ByActorId)
{
    public const int MaxMergedClips = 10;

    public sealed class Validator : AbstractValidator<ProcessMedia>
    {
        public Validator()
        {
            RuleFor(c => c.Operation).Must(o => o.Count == 1).WithMessage("Give exactly one operation.");
            When(c => c.Operation.ResizeImage is not null, () =>
            {
                RuleFor(c => c.Operation.ResizeImage!.Aspect).Must(a => AspectRatio.TryParse(a, out _))
                    .WithMessage("The aspect is width:height, such as 1:1, 4:5, 1.91:1 or 9:16.");
                RuleFor(c => c.Operation.ResizeImage!.Width).InclusiveBetween(16, 8192).When(c => c.Operation.ResizeImage!.Width is not null);
                RuleFor(c => c.Operation.ResizeImage!.FocalX).InclusiveBetween(0, 1).When(c => c.Operation.ResizeImage!.FocalX is not null);
                RuleFor(c => c.Operation.ResizeImage!.FocalY).InclusiveBetween(0, 1).When(c => c.Operation.ResizeImage!.FocalY is not null);
                RuleFor(c => c.Operation.ResizeImage!.Quality).InclusiveBetween(1, 100).When(c => c.Operation.ResizeImage!.Quality is not null);
            });
            When(c => c.Operation.TranscodeVideo is not null, () =>
                RuleFor(c => c.Operation.TranscodeVideo!.Preset).Must(p => VideoPresets.Find(p) is not null)
                    .WithMessage($"Unknown preset; the presets are {string.Join(", ", VideoPresets.All.Select(p => p.Name))}."));
            When(c => c.Operation.Trim is not null, () =>
            {
                RuleFor(c => c.Operation.Trim!.StartSeconds).GreaterThanOrEqualTo(0);
                RuleFor(c => c.Operation.Trim!.EndSeconds).GreaterThan(c => c.Operation.Trim!.StartSeconds).WithMessage("The end must be after the start.");
            });
            When(c => c.Operation.MergeVideos is not null, () =>
                RuleFor(c => c.Operation.MergeVideos!.MediaIds).Must(ids => ids.Count is >= 1 and <= MaxMergedClips)
                    .WithMessage($"Name 1 to {MaxMergedClips} clips to follow the source."));
            When(c => c.Operation.ExtractFrame is not null, () => RuleFor(c => c.Operation.ExtractFrame!.AtSeconds).GreaterThanOrEqualTo(0));
            When(c => c.Operation.NormaliseAudio is not null, () =>
                RuleFor(c => c.Operation.NormaliseAudio!.TargetLufs).InclusiveBetween(-70, -5).When(c => c.Operation.NormaliseAudio!.TargetLufs is not null));
        }
    }
}

/// <summary>The library items a request names, read before it is decided.</summary>
public sealed record ProcessMediaItems(MediaAsset? Source, IReadOnlyDictionary<Guid, MediaAsset> Others);

/// <summary>An item the operation uses besides its source does not exist, was deleted, or is another workspace's.</summary>
public sealed record OperationInputNotFoundError(IReadOnlyList<string> Path)
    : MutationError("NOT_FOUND", "This media item does not exist in the workspace.", Path);

/// <summary>The operation does not apply to an item of this kind (a crop of a video, a transcode of a photo).</summary>
public sealed record WrongMediaKindError(string Message, IReadOnlyList<string> Path) : MutationError("WRONG_MEDIA_KIND", Message, Path);

/// <summary>The operation does not fit the item's facts (a trim past its end, a frame after it ends, loudness of a silent clip).</summary>
public sealed record OperationNotPossibleError(string Message, IReadOnlyList<string> Path) : MutationError("OPERATION_NOT_POSSIBLE", Message, Path);

public static class ProcessMediaHandler
{
    // A trim end or a frame a hair past the probed duration (rounding in the client) is the end.
    private const double DurationSlack = 0.05;

    public static async Task<ProcessMediaItems> LoadAsync(ProcessMedia command, IQuerySession session, CancellationToken ct)
    {
        var ids = new[] { command.MediaId }.Concat(command.Operation.OtherIds()).Distinct().ToArray();
        var items = (await session.LoadManyAsync<MediaAsset>(ct, ids)).ToDictionary(a => a.Id);
        return new(items.GetValueOrDefault(command.MediaId), items);
    }

    public static (Outcome<Guid, MediaNotFoundError, OperationInputNotFoundError, WrongMediaKindError, OperationNotPossibleError>, IMartenOp, OutgoingMessages) Handle(
        ProcessMedia command, ProcessMediaItems items, DateTimeOffset now)
    {
        if (items.Source is not { Deleted: false } source)
        {
            return (new MediaNotFoundError(), MartenOps.Nothing(), []);
        }

        var decided = Decide(command.Operation, source, items.Others);
        if (decided.Error is { } error)
        {
            return (Outcome<Guid, MediaNotFoundError, OperationInputNotFoundError, WrongMediaKindError, OperationNotPossibleError>.Fail(error), MartenOps.Nothing(), []);
        }

        var (start, run) = MediaJobs.Request(source.WorkspaceId, source.Id, decided.Operation!, null, command.ByActorId, now);
        return (run.JobId, start, [run]);
    }

    private sealed record Decision(MediaOperation? Operation, Outcome<Guid, MediaNotFoundError, OperationInputNotFoundError, WrongMediaKindError, OperationNotPossibleError>.Error? Error);

    /// <summary>The operation the input asks for, checked against the items' probed facts.</summary>
    private static Decision Decide(MediaOperationInput input, MediaAsset source, IReadOnlyDictionary<Guid, MediaAsset> others)
    {
        var facts = source.Facts;
        var duration = facts.DurationSeconds ?? 0;
        string[] at(string operation, string field) => ["input", "operation", operation, field];
        Decision wrongKind(string operation, string needs) =>
            new(null, new WrongMediaKindError($"This operation needs {needs}; the item is {Article(source.Kind)}.", ["input", "operation", operation]));

        switch (input)
        {
            case { ResizeImage: { } resize }:
                if (source.Kind != MediaKind.Image)
                {
                    return wrongKind("resizeImage", "a still image (JPEG, PNG, WebP)");
                }

                return !AspectRatio.TryParse(resize.Aspect, out var aspect)
                    ? throw new InvalidOperationException("The validator lets only a valid aspect through.")
                    : new(new ResizeImage(aspect, resize.Width, resize.FocalX ?? 0.5, resize.FocalY ?? 0.5, resize.Format ?? ImageFormat.Jpeg, resize.Quality ?? 88), null);
            case { TranscodeVideo: { } transcode }:
                return source.Kind != MediaKind.Video ? wrongKind("transcodeVideo", "a video") : new(new TranscodeVideo(transcode.Preset), null);
            case { Trim: { } trim }:
                if (source.Kind is not (MediaKind.Video or MediaKind.Audio))
                {
                    return wrongKind("trim", "a video or an audio item");
                }

                return trim.EndSeconds > duration + DurationSlack
                    ? new(null, new OperationNotPossibleError($"The item lasts {duration:0.###} s; the end must be within it.", at("trim", "endSeconds")))
                    : new(new TrimMedia(trim.StartSeconds, Math.Min(trim.EndSeconds, duration)), null);
            case { MergeVideos: { } merge }:
                if (source.Kind != MediaKind.Video)
                {
                    return wrongKind("mergeVideos", "a video");
                }

                var clips = new List<Guid>();
                for (var i = 0; i < merge.MediaIds.Count; i++)
                {
                    if (Other(merge.MediaIds[i], source, others) is not { } clip)
                    {
                        return new(null, new OperationInputNotFoundError(["input", "operation", "mergeVideos", "mediaIds", i.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
                    }

                    if (clip.Kind != MediaKind.Video)
                    {
                        return new(null, new WrongMediaKindError($"Only videos can be merged; clip {i + 1} is {Article(clip.Kind)}.",
                            ["input", "operation", "mergeVideos", "mediaIds", i.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
                    }

                    clips.Add(clip.Id);
                }

                return new(new MergeVideos(clips), null);
            case { ExtractFrame: { } frame }:
                if (source.Kind != MediaKind.Video)
                {
                    return wrongKind("extractFrame", "a video");
                }

                return frame.AtSeconds >= duration
                    ? new(null, new OperationNotPossibleError($"The video lasts {duration:0.###} s; the frame must be before its end.", at("extractFrame", "atSeconds")))
                    : new(new ExtractFrame(frame.AtSeconds, frame.Format ?? ImageFormat.Jpeg), null);
            case { NormaliseAudio: { } normalise }:
                if (source.Kind is not (MediaKind.Video or MediaKind.Audio))
                {
                    return wrongKind("normaliseAudio", "a video or an audio item");
                }

                return facts.AudioCodec is null
                    ? new(null, new OperationNotPossibleError("The video has no sound to normalise.", ["input", "operation", "normaliseAudio"]))
                    : new(new NormaliseAudio(normalise.TargetLufs ?? -14), null);
            case { ReplaceAudio: { } replace }:
                if (source.Kind != MediaKind.Video)
                {
                    return wrongKind("replaceAudio", "a video");
                }

                if (Other(replace.AudioMediaId, source, others) is not { } audio)
                {
                    return new(null, new OperationInputNotFoundError(at("replaceAudio", "audioMediaId")));
                }

                return audio.Kind != MediaKind.Audio
                    ? new(null, new WrongMediaKindError($"The track must be an audio item; it is {Article(audio.Kind)}.", at("replaceAudio", "audioMediaId")))
                    : new(new ReplaceAudio(audio.Id, replace.Mix ?? false), null);
            default:
                throw new InvalidOperationException("The validator lets exactly one operation through.");
        }
    }

    private static MediaAsset? Other(string globalId, MediaAsset source, IReadOnlyDictionary<Guid, MediaAsset> others) =>
        GlobalId.TryParse(globalId, MediaItemType.TypeName, out var id) && others.TryGetValue(id, out var item) && !item.Deleted && item.WorkspaceId == source.WorkspaceId
            ? item
            : null;

    private static string Article(MediaKind kind) => kind switch
    {
        MediaKind.Image => "an image",
        MediaKind.Gif => "a GIF",
        MediaKind.Audio => "an audio item",
        _ => "a video",
    };
}

[Description("Exactly one operation.")]
public sealed record MediaOperationInput(
    ResizeImageInput? ResizeImage,
    TranscodeVideoInput? TranscodeVideo,
    TrimInput? Trim,
    MergeVideosInput? MergeVideos,
    ExtractFrameInput? ExtractFrame,
    NormaliseAudioInput? NormaliseAudio,
    ReplaceAudioInput? ReplaceAudio)
{
    internal int Count => new object?[] { ResizeImage, TranscodeVideo, Trim, MergeVideos, ExtractFrame, NormaliseAudio, ReplaceAudio }.Count(o => o is not null);

    internal IEnumerable<Guid> OtherIds() =>
        (MergeVideos?.MediaIds ?? []).Append(ReplaceAudio?.AudioMediaId ?? "")
            .Select(g => GlobalId.TryParse(g, MediaItemType.TypeName, out var id) ? id : Guid.Empty)
            .Where(id => id != Guid.Empty);
}

public sealed record ResizeImageInput(
    [property: Description("width:height, such as 1:1, 4:5, 1.91:1, 9:16 or 2:3.")] string Aspect,
    [property: Description("Output width in pixels (16–8192); never enlarged. Default: the largest crop's width.")] int? Width,
    [property: Description("The point to keep in the middle, 0 (left) to 1 (right); default 0.5.")] double? FocalX,
    [property: Description("0 (top) to 1 (bottom); default 0.5.")] double? FocalY,
    [property: Description("Default JPEG.")] ImageFormat? Format,
    [property: Description("1–100 for JPEG and WebP; default 88.")] int? Quality);

public sealed record TranscodeVideoInput([property: Description("A platform preset: instagram_reel, facebook_video, facebook_reel, x_video, linkedin_video, tiktok_video, youtube_video, pinterest_video, h264_1080p.")] string Preset);

public sealed record TrimInput(double StartSeconds, double EndSeconds);

public sealed record MergeVideosInput([property: Id][property: Description("The clips that follow the source, in order (1 to 10).")] IReadOnlyList<string> MediaIds);

public sealed record ExtractFrameInput(double AtSeconds, [property: Description("Default JPEG.")] ImageFormat? Format);

public sealed record NormaliseAudioInput([property: Description("Integrated loudness to reach (EBU R128), −70 to −5 LUFS; default −14.")] double? TargetLufs);

public sealed record ReplaceAudioInput([property: Id] string AudioMediaId, [property: Description("True: mix the track with the video's sound; false (default): replace it.")] bool? Mix);

public sealed record ProcessMediaInput([property: Id] string MediaId, MediaOperationInput Operation);

public sealed class ProcessMediaMutation() : Mutation<ProcessMediaInput, ProcessMedia, Guid>("processMedia",
    "Starts a processing job on a library item (crop, transcode, trim, merge, cover frame, loudness, soundtrack). The output is a new item linked to " +
    "its source; follow the job with `mediaProcessing` or `node(id)`.",
    WorkspaceAccess.Needs<ProcessMediaInput>(Role.Editor, (context, input) => WorkspaceOfAsync(context, input.MediaId)).Scope(AppScope.MediaWrite),
    Payload<Guid>.Of<MediaJobType>("job", "The job, queued.", async (context, id) =>
        await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<MediaJob>(id, context.CancellationToken)),
    (input, caller) => new(MediaIdOf(input.MediaId), input.Operation, caller.ActorId))
{
    private static Guid MediaIdOf(string globalId) =>
        GlobalId.TryParse(globalId, MediaItemType.TypeName, out var id) ? id : throw new BadRequestError("The media id is not valid.");

    private static async ValueTask<Guid> WorkspaceOfAsync(IResolveFieldContext context, string globalId)
    {
        var item = await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<MediaAsset>(MediaIdOf(globalId), context.CancellationToken);
        return item is { Deleted: false } ? item.WorkspaceId : Guid.Empty;
    }
}
