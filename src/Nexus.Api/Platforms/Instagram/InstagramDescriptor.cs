using Microsoft.Extensions.Options;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Instagram;

/// <summary>Instagram (Instagram Login): settings <c>Nexus:Platforms:Instagram</c>, Meta's error map.</summary>
public sealed class InstagramDescriptor : PlatformDescriptor<InstagramOptions, InstagramOAuthClient, InstagramPublisher, InstagramRules>
{
    public override PlatformId Platform => PlatformId.Instagram;

    // Caption ≤2200; carousels ≤10 children; media is required (image, reel/video, story, carousel).
    // PKCE is not documented for Instagram Login.
    public override PlatformRules Catalogue { get; } = new(PlatformId.Instagram, "Instagram", 2200, 10, [MediaKind.Image, MediaKind.Video], RequiresMedia: true, SupportsPkce: false);

    public override PlatformOptionSchema Options => InstagramPostOptions.Schema;

    public override Type Metrics => typeof(InstagramMetrics);

    public override async Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        MetaErrors.FromResponse(Platform, response, await BodyOfAsync(response, cancellationToken), now, []);

    protected override void ConfigureSettings(OptionsBuilder<InstagramOptions> settings) =>
        settings.PostConfigure(o =>
        {
            if (o.Scopes.Count == 0)
            {
                o.Scopes.AddRange(InstagramOptions.DefaultScopes);
            }
        });
}
