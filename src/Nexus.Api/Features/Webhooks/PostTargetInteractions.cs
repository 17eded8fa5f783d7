using GraphQL.DataLoader;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;

namespace Nexus.Api.Features.Webhooks;

/// <summary>What the platforms told Nexus about reactions to one target's post: comments and mentions, as counted from their webhooks.</summary>
public sealed record TargetInteractions(int Comments, int Mentions, DateTimeOffset? LastAt)
{
    public static readonly TargetInteractions None = new(0, 0, null);
}

public sealed class TargetInteractionsType : ObjectGraphType<TargetInteractions>
{
    public TargetInteractionsType()
    {
        Name = "TargetInteractions";
        Description = "Comments on and mentions of a published target, counted from the platform's webhooks (where the platform sends them) since it was published.";
        Field(i => i.Comments).Description("Comments the platform reported on the post.");
        Field(i => i.Mentions).Description("Mentions of the account the platform reported in connection with the post.");
        Field<DateTimeScalar, DateTimeOffset?>("lastAt").Description("When the latest one was made; null when there is none.").Resolve(ctx => ctx.Source.LastAt);
    }
}

/// <summary><c>PostTarget.interactions</c>, members only.</summary>
public sealed class PostTargetInteractionsField : ITypeExtension<PostTargetType>
{
    public static readonly BatchLoader<Guid, TargetInteractions> ByTarget = new("targetInteractions", async (session, keys, ct) =>
    {
        var ids = keys.ToArray();
        var rows = await session.Query<PlatformInteraction>().Where(i => i.TargetId != null && ids.Contains(i.TargetId.Value)).ToListAsync(ct);
        return rows.GroupBy(i => i.TargetId!.Value).ToDictionary(g => g.Key, g => new TargetInteractions(
            g.Count(i => i.Kind == InteractionKind.Comment), g.Count(i => i.Kind == InteractionKind.Mention), g.Max(i => i.At)));
    });

    public void Extend(PostTargetType type) =>
        type.Field<NonNullGraphType<TargetInteractionsType>, IDataLoaderResult<TargetInteractions>>("interactions")
            .Description("Comments and mentions the platform reported by webhook for this target's post.")
            .RequireWorkspaceRole(Role.Viewer, async ctx =>
                await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Connection>(((PostTarget)ctx.Source!).ConnectionId, ctx.CancellationToken) is { } connection
                    ? connection.WorkspaceId : Guid.Empty)
            .Scope(AppScope.AnalyticsRead)
            .Resolve(ctx => ctx.Load(ByTarget, ctx.Source.Id).Then(found => found ?? TargetInteractions.None));
}
