using System.Globalization;
using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts;

/// <summary>A reason a target cannot be published as it stands. Path: <c>["targets", index, field...]</c>.</summary>
public sealed record PreflightIssue(Guid TargetId, string Code, string Message, IReadOnlyList<string> Path)
{
    public MutationError ToError() => Code == "NOT_CONNECTED" ? new NotConnectedError(Message, Path) : new PlatformRuleError(Message, Path);
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
                issues.Add(new(target.Id, "NOT_CONNECTED", NotConnected(connection), ["targets", index, "connectionId"]));
                continue;
            }

            if (_rules.TryGetValue(target.Platform, out var platformRules))
            {
                foreach (var violation in platformRules.Check(Request(post, target)))
                {
                    issues.Add(new(target.Id, "PLATFORM_RULE", $"{PlatformCatalogue.Get(target.Platform).Name} ({connection.Name}): {violation.Message}",
                        ["targets", index, .. PathOf(violation.Field)]));
                }
            }
        }

        return issues;
    }

    /// <summary>The request a target publishes (its overrides applied) under its idempotency key.</summary>
    public static PublishRequest Request(Post post, PostTarget target) =>
        new(target.IdempotencyKey, target.EffectiveText(post),
            [.. target.EffectiveMedia(post).Select(m => new MediaItem(new Uri(m.Url), m.Kind, AltText: m.AltText))], target.Options);

    public static string NotConnected(Connection? connection) => connection switch
    {
        null => "This account is no longer connected to the workspace.",
        { Status: ConnectionStatus.NeedsReauth } => $"{connection.Name} on {connection.Platform} needs to be reconnected: {connection.StatusReason}",
        { Status: ConnectionStatus.Disconnected } => $"{connection.Name} on {connection.Platform} was disconnected; connect it again or remove the target.",
        _ => $"{connection.Name} on {connection.Platform} is not connected.",
    };

    /// <summary><c>media[2].duration</c> becomes <c>["media", "2", "duration"]</c>.</summary>
    private static string[] PathOf(string field) =>
        field.Split(['.', '[', ']'], StringSplitOptions.RemoveEmptyEntries);
}
