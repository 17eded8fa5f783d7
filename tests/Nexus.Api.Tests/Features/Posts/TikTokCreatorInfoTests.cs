using System.Text.Json.Nodes;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Nexus.Api.Tests.Platforms.TikTok;

namespace Nexus.Api.Tests.Features.Posts;

/// <summary>The API with TikTok configured against the TikTok fake (WireMock), as PLATFORMS.md describes TikTok.</summary>
public sealed class TikTokApiFixture : ApiFixture
{
    public TikTokFake TikTok { get; } = new();

    protected override string Purpose => "tiktok";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Platforms:TikTok:ClientId"] = "client-key-1",
        ["Nexus:Platforms:TikTok:ClientSecret"] = "client-secret-1",
        ["Nexus:Platforms:TikTok:AuthorizeUrl"] = TikTok.Server.Url + "/v2/auth/authorize/",
        ["Nexus:Platforms:TikTok:ApiBaseUrl"] = TikTok.Server.Url,
    };
}

public sealed class TikTokCreatorInfoTests(TikTokApiFixture api) : IClassFixture<TikTokApiFixture>
{
    [Fact]
    public async Task the_composer_reads_a_tiktok_creators_privacy_options_and_interaction_settings_live()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        api.TikTok.Json("/v2/oauth/token/", 200, new
        {
            access_token = TikTokFake.AccessToken, expires_in = 86400, open_id = "open-1", refresh_expires_in = 31536000,
            refresh_token = "rft.1", scope = "user.info.basic,video.publish", token_type = "Bearer",
        });
        api.TikTok.Json("/v2/user/info/", 200, new JsonObject
        {
            ["data"] = new JsonObject { ["user"] = new JsonObject { ["open_id"] = "open-1", ["display_name"] = "Creator One" } },
            ["error"] = TikTokFake.Ok(),
        }, "GET");
        api.TikTok.CreatorInfo(["FOLLOWER_OF_CREATOR", "SELF_ONLY"], duetDisabled: true, maxSeconds: 300);

        var start = await api.Host.MutateAsync(owner, "startConnection", "StartConnectionInput", new { workspaceId = workspace, platform = "TIKTOK" }, "authorizationUrl");
        var callback = await api.Host.ConsentAtFakePlatformAsync(start.GetProperty("authorizationUrl").GetString()!, "tiktok", "code-1");
        Assert.True(callback.Outcome == "connected", callback.Reason);

        var response = await api.Host.AsAsync(owner,
            "query ($id: ID!) { workspace(id: $id) { connections { edges { node { platform tiktokCreatorInfo { privacyLevelOptions commentDisabled duetDisabled stitchDisabled maxVideoSeconds } } } } } }",
            new { id = workspace });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        var info = response.Data.GetProperty("workspace").GetProperty("connections").GetProperty("edges")[0].GetProperty("node").GetProperty("tiktokCreatorInfo");
        Assert.Equal(["FOLLOWER_OF_CREATOR", "SELF_ONLY"], info.GetProperty("privacyLevelOptions").EnumerateArray().Select(p => p.GetString()));
        Assert.True(info.GetProperty("duetDisabled").GetBoolean());
        Assert.False(info.GetProperty("commentDisabled").GetBoolean());
        Assert.Equal(300, info.GetProperty("maxVideoSeconds").GetInt32());
        Assert.Equal("Bearer " + TikTokFake.AccessToken, TikTokFake.Header(Assert.Single(api.TikTok.Requests("/v2/post/publish/creator_info/query/")), "Authorization"));
    }
}
