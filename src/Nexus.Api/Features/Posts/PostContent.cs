using System.Globalization;
using FluentValidation;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts;

/// <summary>One target as a command carries it: the connection, overrides, and options keyed as the publishers read them.</summary>
public sealed record TargetDraft(Guid ConnectionId, string? Text, IReadOnlyList<MediaDraft>? Media, IReadOnlyDictionary<string, string> Options, IReadOnlyList<PlatformId> OptionsFor);

/// <summary>
/// A media item as a command carries it, before the library is read: a URL and its kind, or a library item
/// (<see cref="MediaId"/>; <see cref="Guid.Empty"/> when the id given was not a <c>MediaItem</c> id).
/// </summary>
public sealed record MediaDraft(string? Url, MediaKind? Kind, string? AltText = null, Guid? MediaId = null)
{
    public static implicit operator MediaDraft(MediaRef media) =>
        media.MediaId is { } id ? new(null, null, media.AltText, id) : new(media.Url, media.Kind, media.AltText);
}

/// <summary>Content shared by drafting and editing: text, media, targets.</summary>
public interface IPostContent
{
    string Text { get; }

    IReadOnlyList<MediaDraft> Media { get; }

    IReadOnlyList<TargetDraft> Targets { get; }
}

public static class PostContent
{
    public const int MaxTextLength = 100_000;
    public const int MaxTargets = 50;
    public const int MaxMedia = 20;

    public static IReadOnlyList<MediaDraft> MediaOf(IEnumerable<MediaInput>? media) =>
        media is null ? [] : [.. media.Select(m => new MediaDraft(m.Url, m.Kind, m.AltText,
            m.MediaId is null ? null : GlobalId.TryParse(m.MediaId, MediaItemType.TypeName, out var id) ? id : Guid.Empty))];

    /// <summary>Every library item the content names (the post's media and each target's), to load before deciding.</summary>
    public static IEnumerable<Guid> LibraryIds(IPostContent content) =>
        content.Media.Concat(content.Targets.SelectMany(t => t.Media ?? [])).Select(m => m.MediaId ?? Guid.Empty).Where(id => id != Guid.Empty).Distinct();

    /// <summary>
    /// The media as stored: URLs as given, library items with their facts. An item that is missing or another
    /// workspace's is a <see cref="MediaNotFoundError"/> at its input path, one of this workspace's that was deleted a
    /// <see cref="MediaDeletedError"/> there.
    /// </summary>
    public static (IReadOnlyList<MediaRef> Media, IReadOnlyList<TargetDraft> Targets, IReadOnlyList<OneOf<MediaNotFoundError, MediaDeletedError>> Errors) Resolve(
        IPostContent content, IReadOnlyDictionary<Guid, MediaAsset> library, Guid workspaceId)
    {
        var errors = new List<OneOf<MediaNotFoundError, MediaDeletedError>>();
        IReadOnlyList<MediaRef> Refs(IReadOnlyList<MediaDraft> drafts, string[] path) =>
        [.. drafts.Select((d, i) =>
        {
            if (d.MediaId is not { } id)
            {
                return new MediaRef(d.Url ?? "", d.Kind ?? MediaKind.Image, d.AltText);
            }

            if (library.TryGetValue(id, out var item) && !item.Deleted && item.WorkspaceId == workspaceId)
            {
                return MediaRef.Library(item, d.AltText);
            }

            string[] at = [.. path, i.ToString(CultureInfo.InvariantCulture), "mediaId"];
            errors.Add(item is { Deleted: true } && item.WorkspaceId == workspaceId
                ? MediaUses.Deleted(item, at)
                : new MediaNotFoundError { Path = at });
            return new MediaRef(MediaRef.LibraryUrl(id), MediaKind.Image, d.AltText, id);
        })];

        var media = Refs(content.Media, ["input", "media"]);
        var targets = content.Targets.Select((t, i) => t.Media is null ? t
            : t with { Media = [.. Refs(t.Media, ["input", "targets", i.ToString(CultureInfo.InvariantCulture), "media"]).Select(m => (MediaDraft)m)] }).ToList();
        return (media, targets, errors);
    }

    /// <summary>A target's media once <see cref="Resolve"/> checked it: library items with their facts, as the post's are.</summary>
    private static List<MediaRef>? Resolved(IReadOnlyList<MediaDraft>? drafts, IReadOnlyDictionary<Guid, MediaAsset> library) =>
        drafts?.Select(d => d.MediaId is { } id && library.TryGetValue(id, out var item) ? MediaRef.Library(item, d.AltText) : new MediaRef(d.Url ?? "", d.Kind ?? MediaKind.Image, d.AltText, d.MediaId)).ToList();

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

    private static void MediaRules(InlineValidator<MediaDraft> media)
    {
        media.RuleFor(m => m).Must(m => m.Url is null != m.MediaId is null)
            .WithMessage("Give either a library item (mediaId) or a URL and its kind, not both or neither.").OverridePropertyName("mediaId");
        media.RuleFor(m => m.MediaId).NotEqual(Guid.Empty).WithMessage("The media id is not a MediaItem id.");
        media.RuleFor(m => m.Url).Must(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
            .When(m => m.Url is not null).WithMessage("Media must be an absolute http(s) URL the platforms can fetch.");
        media.RuleFor(m => m.Kind).NotNull().When(m => m.Url is not null).WithMessage("Give the kind of media the URL points to.");
    }

    /// <summary>Targets as stored: ids kept for targets that stay (so their history stays theirs), new ones for new accounts.</summary>
    public static IReadOnlyList<TargetContent> Targets(IReadOnlyList<TargetDraft> drafts, PostSurroundings around, Post? existing, DateTimeOffset now) =>
        [.. drafts.Select(d => new TargetContent(
            existing?.Targets.FirstOrDefault(t => t.ConnectionId == d.ConnectionId)?.Id ?? Guid.CreateVersion7(now),
            d.ConnectionId, around.Connections[d.ConnectionId].Platform, d.Text, Resolved(d.Media, around.Library), d.Options))];

    /// <summary>Targets must name connections of this workspace, and options must be for the target's platform.</summary>
    public static IReadOnlyList<OneOf<ConnectionNotFoundError, PlatformRuleError>> CheckTargets(IReadOnlyList<TargetDraft> drafts, IReadOnlyDictionary<Guid, Connection> connections, Guid workspaceId)
    {
        var errors = new List<OneOf<ConnectionNotFoundError, PlatformRuleError>>();
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
