using System.Globalization;
using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.GraphQL;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts;

/// <summary>
/// A reason a target cannot be published as it stands. Path: the input field of <c>draftPost</c>/<c>updatePost</c> it
/// is about, <c>["input", "targets", index, "text" | "media", i, field | "options", platform, option | "connectionId"]</c>,
/// the form of every other input error; the index is the target's place in <c>post.targets</c>, and text and media
/// name the target even when it uses the post's.
/// </summary>
/// <remarks><see cref="Fix"/>: for a library item, the operations <c>fitMediaToTargets</c> would run on it.</remarks>
public sealed record PreflightIssue(Guid TargetId, string Code, string Message, IReadOnlyList<string> Path, IReadOnlyList<MediaOperation>? Fix = null)
{
    public OneOf<PlatformRuleError, NotConnectedError, EmptyPostError> ToError() => Code switch
    {
        NotConnectedError.ErrorCode => new NotConnectedError(Message, Path),
        EmptyPostError.ErrorCode => new EmptyPostError(Message, Path),
        _ => new PlatformRuleError(Message, Path),
    };
}

/// <summary>
/// Checks every target against its platform's rules and its connection's state. Drafts show the issues as
/// warnings; scheduling and publishing refuse a post that has any, so nothing is found broken at its due time.
/// </summary>
public sealed class Preflight(IEnumerable<IPlatformRules> rules)
{
    private readonly Dictionary<PlatformId, IPlatformRules> _rules = rules.ToDictionary(r => r.Platform);

    public async Task<IReadOnlyList<PreflightIssue>> CheckAsync(Post post, IQuerySession session, CancellationToken ct)
    {
        var connections = (await session.LoadManyAsync<Connection>(ct, post.Targets.Select(t => t.ConnectionId).Distinct())).ToDictionary(c => c.Id);
        return Check(post, connections);
    }

    public IReadOnlyList<PreflightIssue> Check(Post post, IReadOnlyDictionary<Guid, Connection> connections)
    {
        var issues = new List<PreflightIssue>();
        for (var i = 0; i < post.Targets.Count; i++)
        {
            var target = post.Targets[i];
            var index = i.ToString(CultureInfo.InvariantCulture);
            if (!connections.TryGetValue(target.ConnectionId, out var connection) || connection.Status != ConnectionStatus.Active)
            {
                issues.Add(new(target.Id, NotConnectedError.ErrorCode, NotConnected(connection), ["input", "targets", index, "connectionId"]));
                continue;
            }

            // Nothing to publish is no platform's rule: it is refused the same way everywhere, before the platforms'.
            if (string.IsNullOrWhiteSpace(target.EffectiveText(post)) && target.EffectiveMedia(post).Count == 0)
            {
                issues.Add(new(target.Id, EmptyPostError.ErrorCode, $"The post for {connection.Name} has no text and no media: give it one or the other.",
                    ["input", "targets", index, "text"]));
                continue;
            }

            foreach (var violation in Violations(post, target))
            {
                issues.Add(new(target.Id, PlatformRuleError.ErrorCode, $"{PlatformCatalogue.Get(target.Platform).Name} ({connection.Name}): {violation.Message}",
                    ["input", "targets", index, .. PathOf(violation.Field, target.Platform)], violation.Fix));
            }
        }

        return issues;
    }

    /// <summary>A target's rule violations (kinds its platform refuses, then its platform's rules), each with its fix when processing can make one.</summary>
    public IReadOnlyList<RuleViolation> Violations(Post post, PostTarget target)
    {
        var request = Request(post, target);
        var refused = KindsRefused(request, target.Platform);
        var violations = _rules.TryGetValue(target.Platform, out var platformRules) ? platformRules.Check(request) : [];
        return [.. refused, .. violations.Where(v => !refused.Any(r => r.Field == v.Field))];
    }

    /// <summary>
    /// The request a target publishes (its overrides applied) under its idempotency key. A library item carries its
    /// facts, and its <see cref="MediaRef.LibraryUrl"/> until publishing signs a URL for it.
    /// </summary>
    public static PublishRequest Request(Post post, PostTarget target) =>
        new(target.IdempotencyKey, target.EffectiveText(post), [.. target.EffectiveMedia(post).Select(ItemOf)], target.Options);

    public static MediaItem ItemOf(MediaRef media) => media is { MediaId: { } id, Facts: { } facts }
        ? new MediaItem(new Uri(media.Url), facts.Kind, facts.SizeBytes, facts.Width, facts.Height,
            facts.DurationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, facts.Mime, media.AltText, facts.VideoCodec, facts.FrameRate, id)
        : new MediaItem(new Uri(media.Url), media.Kind, AltText: media.AltText);

    /// <summary>Media of a kind the platform does not take at all (audio anywhere, GIFs on most): refused whatever the platform's own rules say.</summary>
    public static IReadOnlyList<RuleViolation> KindsRefused(PublishRequest request, PlatformId platform)
    {
        var catalogue = PlatformCatalogue.Get(platform);
        return [.. request.Media.Select((m, i) => (m, i)).Where(x => !catalogue.MediaKinds.Contains(x.m.Kind)).Select(x => new RuleViolation($"media[{x.i}]",
            $"{catalogue.Name} does not take {x.m.Kind.ToString().ToLowerInvariant()} media; it takes {string.Join(", ", catalogue.MediaKinds.Select(k => k.ToString().ToLowerInvariant()))}: remove this item or replace it."))];
    }

    public static string NotConnected(Connection? connection) => connection switch
    {
        null => "This account is no longer connected to the workspace.",
        { Status: ConnectionStatus.NeedsReauth } => $"{connection.Name} on {connection.Platform} needs to be reconnected: {connection.StatusReason}",
        { Status: ConnectionStatus.Disconnected } => $"{connection.Name} on {connection.Platform} was disconnected; connect it again or remove the target.",
        _ => $"{connection.Name} on {connection.Platform} is not connected.",
    };

    /// <summary>
    /// <c>media[2].duration</c> becomes <c>["media", "2", "duration"]</c>; <c>options.format</c> becomes
    /// <c>["options", "instagram", "format"]</c>, as the option is given in <c>PostOptionsInput</c>.
    /// </summary>
    private static string[] PathOf(string field, PlatformId platform)
    {
        var path = field.Split(['.', '[', ']'], StringSplitOptions.RemoveEmptyEntries);
        return path is ["options", .. var option] && PostOptionsInputType.FieldOf(platform) is { } input ? ["options", input, .. option] : path;
    }
}
