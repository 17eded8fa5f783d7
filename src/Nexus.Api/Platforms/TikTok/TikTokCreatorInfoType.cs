using GraphQL.Types;

namespace Nexus.Api.Platforms.TikTok;

/// <summary><c>TikTokCreatorInfo</c>: what a TikTok creator may post with, read live from TikTok for the composer.</summary>
public sealed class TikTokCreatorInfoType : ObjectGraphType<TikTokCreatorInfo>
{
    public TikTokCreatorInfoType()
    {
        Name = "TikTokCreatorInfo";
        Description = "A TikTok creator's posting settings (creator_info): offer these in the composer; direct posts are checked against them.";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("privacyLevelOptions")
            .Description("The privacy levels the creator may choose (`options.tiktok.privacyLevel`).").Resolve(ctx => ctx.Source.PrivacyLevels);
        Field(c => c.CommentDisabled).Description("Comments are off on the account: the composer must not offer them.");
        Field(c => c.DuetDisabled).Description("Duets are off on the account.");
        Field(c => c.StitchDisabled).Description("Stitches are off on the account.");
        Field(c => c.MaxVideoSeconds, nullable: true).Description("The longest video the creator may post, in seconds.");
    }
}
