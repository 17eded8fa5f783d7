using GraphQL.Types;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Platforms.ListingPlatforms;

/// <summary><c>platforms</c>: the public catalogue of platforms, their publishing rules and whether Nexus can connect them.</summary>
[QueryType]
public sealed class PlatformsQuery : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<NonNullGraphType<ListGraphType<NonNullGraphType<PlatformType>>>>("platforms")
            .Description("Every platform Nexus publishes to, with its publishing rules. Public.")
            .Public()
            .AnyAppScope()
            .Resolve(ctx =>
            {
                var configuration = ctx.RequestServices!.GetRequiredService<IConfiguration>();
                return PlatformCatalogue.All.Select(rules => new PlatformView(rules, PlatformCatalogue.IsConfigured(rules.Id, configuration))).ToList();
            });
}

public sealed record PlatformView(PlatformRules Rules, bool Configured);

public sealed class PlatformType : ObjectGraphType<PlatformView>
{
    public PlatformType()
    {
        Name = "Platform";
        Description = "A social platform and the rules a post must follow there.";
        Field<NonNullGraphType<PlatformIdType>, PlatformId>("id").Resolve(ctx => ctx.Source.Rules.Id);
        Field<NonNullGraphType<StringGraphType>, string>("name").Resolve(ctx => ctx.Source.Rules.Name);
        Field<NonNullGraphType<IntGraphType>, int>("maxTextLength")
            .Description("Longest post text, in characters (X counts weighted characters).")
            .Resolve(ctx => ctx.Source.Rules.MaxTextLength);
        Field<NonNullGraphType<IntGraphType>, int>("maxMedia").Description("Most media items in one post.").Resolve(ctx => ctx.Source.Rules.MaxMedia);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MediaKindType>>>, IReadOnlyList<MediaKind>>("mediaKinds")
            .Description("Media kinds the platform accepts.")
            .Resolve(ctx => ctx.Source.Rules.MediaKinds);
        Field<NonNullGraphType<BooleanGraphType>, bool>("requiresMedia")
            .Description("Whether a post without media is refused.")
            .Resolve(ctx => ctx.Source.Rules.RequiresMedia);
        Field<NonNullGraphType<BooleanGraphType>, bool>("supportsPkce")
            .Description("Whether the platform's web OAuth flow supports PKCE.")
            .Resolve(ctx => ctx.Source.Rules.SupportsPkce);
        Field<NonNullGraphType<BooleanGraphType>, bool>("configured")
            .Description("Whether this Nexus has app credentials for the platform, so accounts can be connected.")
            .Resolve(ctx => ctx.Source.Configured);
    }
}
