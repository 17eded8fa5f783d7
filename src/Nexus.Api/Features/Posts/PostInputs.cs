using GraphQL.Types;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts;

public sealed record MediaInput(string? Url, MediaKind? Kind, string? AltText, string? MediaId = null);

public sealed record PostTargetInput(string ConnectionId, string? Text, List<MediaInput>? Media, Dictionary<string, object?>? Options);

public sealed class MediaInputType : InputObjectGraphType<MediaInput>
{
    public MediaInputType()
    {
        Name = "MediaInput";
        Description = "A media item: a library item (`mediaId`), or a URL and its kind (the platforms, or Nexus for upload flows, fetch it when publishing). Give one or the other.";
        Field<StringGraphType>("url").Description("An absolute http(s) URL; give `kind` with it.");
        Field<MediaKindType>("kind").Description("What the URL points to; a library item's kind comes from its probed facts.");
        Field<IdGraphType>("mediaId").Description("A `MediaItem` of the post's workspace: its facts are checked against each target's platform, and `fitMediaToTargets` can make variants that fit.");
        Field<StringGraphType>("altText").Description("Alternative text, where the platform supports it.");
    }
}

public sealed class PostTargetInputType : InputObjectGraphType<PostTargetInput>
{
    public PostTargetInputType()
    {
        Name = "PostTargetInput";
        Description = "One connected account to publish to, with optional overrides of the post's text and media.";
        Field<NonNullGraphType<IdGraphType>>("connectionId");
        Field<StringGraphType>("text").Description("This account's own text; the post's text when omitted.");
        Field<ListGraphType<NonNullGraphType<MediaInputType>>>("media").Description("This account's own media; the post's media when omitted.");
        Field<PostOptionsInputType>("options").Description("The platform's own settings; give the object of the target's platform only.");
    }
}
