using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Instagram;
using Nexus.Api.Platforms.Sandbox;

namespace Nexus.Api.Tests.Features.Posts;

/// <summary>Preflight by itself: the platforms' real rules on posts built from their events.</summary>
public sealed class PreflightTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private readonly Preflight _preflight = new([new InstagramRules(), new SandboxRules()]);

    private static Connection Account(PlatformId platform) =>
        new(Guid.NewGuid(), Guid.NewGuid(), platform, "ext", "Acme", null, null, AccountKind.BusinessAccount, [], ConnectionStatus.Active, null, null, Now, 1, 1);

    private static Post Draft(string text, IReadOnlyList<MediaRef> media, params (Connection Account, string? Text, IReadOnlyDictionary<string, string>? Options)[] targets) =>
        Post.Create(new PostDrafted(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), text, media,
            [.. targets.Select(t => new TargetContent(Guid.NewGuid(), t.Account.Id, t.Account.Platform, t.Text, null, t.Options ?? new Dictionary<string, string>()))], Now));

    private IReadOnlyList<PreflightIssue> Check(Post post, params Connection[] accounts) => _preflight.Check(post, accounts.ToDictionary(a => a.Id));

    [Fact]
    public void every_issue_path_names_the_input_field_of_the_target_in_the_form_of_validation_errors()
    {
        var sandbox = Account(PlatformId.Sandbox);
        var instagram = Account(PlatformId.Instagram);
        var gone = Account(PlatformId.Sandbox);
        var post = Draft(new string('x', 5001), [new MediaRef("https://cdn.example/a.jpg", MediaKind.Image)],
            (sandbox, null, null), (instagram, "caption", new Dictionary<string, string> { [InstagramPostOptions.Format] = "hologram" }), (gone, null, null));

        var issues = Check(post, sandbox, instagram);

        Assert.Contains(issues, i => i.Code == "PLATFORM_RULE" && i.Path.SequenceEqual(["input", "targets", "0", "text"]));
        Assert.Contains(issues, i => i.Code == "PLATFORM_RULE" && i.Path.SequenceEqual(["input", "targets", "1", "options", "instagram", "format"]));
        Assert.Contains(issues, i => i.Code == "NOT_CONNECTED" && i.Path.SequenceEqual(["input", "targets", "2", "connectionId"]));
        Assert.All(issues, i => Assert.Equal(["input", "targets"], i.Path.Take(2)));
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("  \n ", null)]
    [InlineData("post text", "")]
    public void a_target_with_neither_text_nor_media_is_an_empty_post(string text, string? own)
    {
        var sandbox = Account(PlatformId.Sandbox);

        var issue = Assert.Single(Check(Draft(text, [], (sandbox, own, null)), sandbox));

        Assert.Equal("EMPTY_POST", issue.Code);
        Assert.Equal(["input", "targets", "0", "text"], issue.Path);
        Assert.IsType<EmptyPostError>(issue.ToError().Value);
    }

    [Fact]
    public void a_target_with_its_own_text_or_the_posts_media_is_not_empty()
    {
        var sandbox = Account(PlatformId.Sandbox);

        Assert.Empty(Check(Draft("", [], (sandbox, "its own", null)), sandbox));
        Assert.Empty(Check(Draft("", [new MediaRef("https://cdn.example/a.jpg", MediaKind.Image)], (sandbox, null, null)), sandbox));
    }
}
