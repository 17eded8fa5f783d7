using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;

namespace Nexus.Api.Tests.Features.Posts;

public sealed class NotificationTests(PublishingFixture api) : IClassFixture<PublishingFixture>
{
    [Fact]
    public async Task a_failed_target_emails_the_admins_once_and_not_the_editors()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var admin = await api.Host.PersonAsync("Admin");
        var editor = await api.Host.PersonAsync("Editor");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, admin, "ADMIN");
        await api.Host.AddMemberAsync(owner, workspace, editor, "EDITOR");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var post = await api.Host.DraftAsync(editor, workspace, $"refused {Guid.NewGuid():N} [sandbox:reject]", connection);
        await api.Host.PostMutationAsync(editor, "publishPostNow", new { postId = post });
        await api.Host.WaitForStatusAsync(editor, post, TimeSpan.FromSeconds(20), "FAILED");

        var mails = await WaitForMailAsync(owner.Email, "target-failed");
        Assert.Contains("refuses this content", mails[0].TextBody);
        Assert.Single(await WaitForMailAsync(admin.Email, "target-failed"));
        Assert.Empty(Drop.For(editor.Email).Where(m => m.Kind == "target-failed"));
    }

    [Fact]
    public async Task a_connection_refused_while_publishing_emails_the_admins_once_however_many_targets_fail()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var posts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            posts.Add(await api.Host.DraftAsync(owner, workspace, $"locked {i} [sandbox:auth]", connection));
        }

        // All accepted while the connection is still active, all due together: whichever target the platform
        // refuses first, the others find the connection refused before or after their own call.
        var due = DateTimeOffset.UtcNow.AddSeconds(5);
        foreach (var post in posts)
        {
            Assert.Equal(0, (await api.Host.ScheduleAsync(owner, post, due)).GetProperty("errors").GetArrayLength());
        }

        foreach (var post in posts)
        {
            await api.Host.WaitForStatusAsync(owner, post, TimeSpan.FromSeconds(20), "FAILED");
        }

        var mail = Assert.Single(await WaitForMailAsync(owner.Email, "connection-needs-reauth"));
        Assert.Contains("Reconnect", mail.Subject);
        Assert.Empty(Drop.For(owner.Email).Where(m => m.Kind == "target-failed"));
    }

    private MailDrop Drop => api.Host.Services.GetRequiredService<MailDrop>();

    private async Task<List<DroppedMail>> WaitForMailAsync(string to, string kind)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var mails = Drop.For(to).Where(m => m.Kind == kind).ToList();
            if (mails.Count > 0 || DateTime.UtcNow > deadline)
            {
                // Let a duplicate, if one were coming, arrive before the caller counts.
                await Task.Delay(500);
                return [.. Drop.For(to).Where(m => m.Kind == kind)];
            }

            await Task.Delay(100);
        }
    }
}
