using Microsoft.Extensions.Options;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Instagram;

/// <summary>Instagram (Instagram Login): settings <c>Nexus:Platforms:Instagram</c>, Meta's error map.</summary>
public sealed class InstagramDescriptor : PlatformDescriptor<InstagramOptions, InstagramOAuthClient, InstagramPublisher, InstagramRules>
{
    public override PlatformId Platform => PlatformId.Instagram;

    public override PlatformOptionSchema Options => InstagramPostOptions.Schema;

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
