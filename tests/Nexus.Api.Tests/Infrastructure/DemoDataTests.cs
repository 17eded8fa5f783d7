namespace Nexus.Api.Tests.Infrastructure;

public sealed class DemoFixture : ApiFixture
{
    protected override string Purpose => "demo";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Nexus:Demo:Seed"] = "true" };
}

public sealed class DemoDataTests(DemoFixture api) : IClassFixture<DemoFixture>
{
    [Fact]
    public async Task the_demo_user_can_sign_in_and_owns_the_demo_workspace()
    {
        // Seeding runs once the host has started; the node says it is ready only when it is done.
        for (var attempt = 0; attempt < 100 && (await api.Host.SendAsync(HttpMethod.Get, "/readyz", accept: null)).Status != 200; attempt++)
        {
            await Task.Delay(100);
        }

        var tokens = await api.Host.PasswordGrantAsync(Nexus.Api.Infrastructure.DemoData.Email, Nexus.Api.Infrastructure.DemoData.Password);
        Assert.Equal(200, tokens.Status);

        var me = await api.Host.PostGraphQLAsync(tokens.AccessToken, "{ me { workspaces { edges { node { name myRole } } } } }");

        var workspace = Assert.Single(me.Data.GetProperty("me").GetProperty("workspaces").GetProperty("edges").EnumerateArray()).GetProperty("node");
        Assert.Equal(Nexus.Api.Infrastructure.DemoData.WorkspaceName, workspace.GetProperty("name").GetString());
        Assert.Equal("OWNER", workspace.GetProperty("myRole").GetString());
    }
}
