using System.Globalization;
using FluentValidation;
using Nexus.Api.Features.Connections;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts;

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
