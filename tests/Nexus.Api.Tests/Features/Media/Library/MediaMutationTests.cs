using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Editing;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media.Library;

/// <summary>renameMedia, tagMedia and deleteMedia: their rules, who may call them, and deletion refused while scheduled posts use the item.</summary>
[Collection(ApiCollection.Name)]
public sealed class MediaMutationTests(ApiFixture api)
{
    private const string Selection = "media { id name tags }";

    private Task<JsonElement> MutateAsync(Person person, string field, object input) =>
        api.Host.MutateAsync(person, field, char.ToUpperInvariant(field[0]) + field[1..] + "Input", input, Selection);

    private static string[] Codes(JsonElement payload) => [.. payload.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()!)];

    [Fact]
    public async Task rename_trims_and_tag_replaces_the_set_normalised()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var item = await api.Host.AddMediaAsync(workspace, "IMG_0001.jpg", tags: ["old"]);

        var renamed = await MutateAsync(owner, "renameMedia", new { mediaId = item, name = "  Team photo  " });
        Assert.Empty(Codes(renamed));
        Assert.Equal("Team photo", renamed.GetProperty("media").GetProperty("name").GetString());

        var tagged = await MutateAsync(owner, "tagMedia", new { mediaId = item, tags = new[] { " Team ", "OFFSITE", "team", "2026" } });
        Assert.Empty(Codes(tagged));
        Assert.Equal(["team", "offsite", "2026"], tagged.GetProperty("media").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var cleared = await MutateAsync(owner, "tagMedia", new { mediaId = item, tags = Array.Empty<string>() });
        Assert.Equal(0, cleared.GetProperty("media").GetProperty("tags").GetArrayLength());
        var stored = (await api.Host.MediaItemAsync(item))!;
        Assert.Equal(("Team photo", 0), (stored.Name, stored.Tags.Count));
    }

    [Theory]
    [InlineData("renameMedia", "name", "")]
    [InlineData("renameMedia", "name", "   ")]
    [InlineData("renameMedia", "name", "two\nlines")]
    [InlineData("renameMedia", "name", "tab\there")]
    [InlineData("renameMedia", "name", "201")]
    [InlineData("tagMedia", "tags", "")]
    [InlineData("tagMedia", "tags", "41")]
    [InlineData("tagMedia", "tags", "21 tags")]
    [InlineData("tagMedia", "tags", "new\nline")]
    public async Task bad_names_and_tags_are_validation_errors_that_change_nothing(string field, string input, string value)
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var item = await api.Host.AddMediaAsync(workspace, "photo.jpg", tags: ["kept"]);
        object arguments = (field, value) switch
        {
            ("renameMedia", "201") => new { mediaId = item, name = new string('n', 201) },
            ("renameMedia", _) => new { mediaId = item, name = value },
            (_, "41") => new { mediaId = item, tags = new[] { new string('t', 41) } },
            (_, "21 tags") => new { mediaId = item, tags = Enumerable.Range(0, 21).Select(i => $"tag{i}").ToArray() },
            _ => new { mediaId = item, tags = new[] { "fine", value } },
        };

        var payload = await MutateAsync(owner, field, arguments);

        Assert.Equal(["VALIDATION"], Codes(payload));
        Assert.Equal("input", payload.GetProperty("errors")[0].GetProperty("path")[0].GetString());
        Assert.Equal(input, payload.GetProperty("errors")[0].GetProperty("path")[1].GetString(), ignoreCase: true);
        var stored = (await api.Host.MediaItemAsync(item))!;
        Assert.Equal(("photo.jpg", "kept"), (stored.Name, stored.Tags.Single()));
    }

    [Fact]
    public async Task a_name_of_200_characters_and_20_tags_of_40_are_accepted()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var item = await api.Host.AddMediaAsync(workspace);
        Assert.Empty(Codes(await MutateAsync(owner, "renameMedia", new { mediaId = item, name = new string('n', 200) })));
        Assert.Empty(Codes(await MutateAsync(owner, "tagMedia", new { mediaId = item, tags = Enumerable.Range(0, 20).Select(i => $"{i:D2}{new string('t', 38)}").ToArray() })));
    }

    [Fact]
    public async Task another_workspaces_item_and_an_unknown_one_are_forbidden_alike_and_a_deleted_one_is_not_found()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var other = await api.Host.PersonAsync("Other");
        var viewer = await api.Host.PersonAsync("Viewer");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        await api.Host.CreateWorkspaceAsync(other);
        var item = await api.Host.AddMediaAsync(workspace);
        var unknown = Nexus.Api.GraphQL.Relay.GlobalId.Encode(MediaItemType.TypeName, Guid.CreateVersion7());

        foreach (var (field, input) in new (string, Func<string, object>)[]
        {
            ("renameMedia", id => new { mediaId = id, name = "x" }),
            ("tagMedia", id => new { mediaId = id, tags = new[] { "x" } }),
            ("deleteMedia", id => new { mediaId = id }),
        })
        {
            var inputType = char.ToUpperInvariant(field[0]) + field[1..] + "Input";
            var query = $"mutation ($input: {inputType}!) {{ {field}(input: $input) {{ errors {{ ... on Error {{ code }} }} }} }}";
            Assert.Equal(["FORBIDDEN"], (await api.Host.AsAsync(other, query, new { input = input(item) })).ErrorCodes);
            Assert.Equal(["FORBIDDEN"], (await api.Host.AsAsync(other, query, new { input = input(unknown) })).ErrorCodes);
            Assert.Equal(["FORBIDDEN"], (await api.Host.AsAsync(owner, query, new { input = input(unknown) })).ErrorCodes);
            Assert.Equal(["FORBIDDEN"], (await api.Host.AsAsync(viewer, query, new { input = input(item) })).ErrorCodes);
            Assert.Equal(["BAD_REQUEST"], (await api.Host.AsAsync(owner, query, new { input = input("not-an-id") })).ErrorCodes);
        }

        Assert.Equal("photo.jpg", (await api.Host.MediaItemAsync(item))!.Name);
        Assert.Empty(Codes(await MutateAsync(owner, "deleteMedia", new { mediaId = item })));
        foreach (var (field, input) in new (string, object)[]
        {
            ("renameMedia", new { mediaId = item, name = "x" }), ("tagMedia", new { mediaId = item, tags = new[] { "x" } }), ("deleteMedia", new { mediaId = item }),
        })
        {
            var payload = await MutateAsync(owner, field, input);
            Assert.Equal(["NOT_FOUND"], Codes(payload));
            Assert.Equal(JsonValueKind.Null, payload.GetProperty("media").ValueKind);
        }

        // node(id) hides a deleted item like any other.
        var node = await api.Host.AsAsync(owner, "query ($id: ID!) { node(id: $id) { id } }", new { id = item });
        Assert.Equal(JsonValueKind.Null, node.Data.GetProperty("node").ValueKind);
    }

    [Fact]
    public async Task delete_is_refused_while_scheduled_posts_use_the_item_naming_them_and_then_removes_the_file()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var item = await api.Host.AddMediaAsync(workspace, "Hero.jpg");
        var stored = (await api.Host.MediaItemAsync(item))!;
        var store = api.Host.Services.GetRequiredService<IMediaStore>();
        var first = await api.Host.DraftAsync(owner, workspace, "Launch day is here", connection);
        var second = await api.Host.DraftAsync(owner, workspace, "Last call before the launch", connection);
        var draftOnly = await api.Host.DraftAsync(owner, workspace, "A draft that keeps nothing", connection);
        await api.Host.UseMediaAsync(first, inTargets: false, item);
        await api.Host.UseMediaAsync(second, inTargets: true, item);
        await api.Host.UseMediaAsync(draftOnly, inTargets: false, item);
        var at = DateTimeOffset.UtcNow.AddDays(3);
        Assert.Equal(0, (await api.Host.ScheduleAsync(owner, first, at)).GetProperty("errors").GetArrayLength());
        Assert.Equal(0, (await api.Host.PostMutationAsync(owner, "schedulePost", new { postId = second, at = at.AddHours(1).ToString("O") })).GetProperty("errors").GetArrayLength());

        var refused = await api.Host.MutateAsync(owner, "deleteMedia", "DeleteMediaInput", new { mediaId = item },
            "media { id name } errors { ... on MediaInUseError { postIds } }");
        var error = refused.GetProperty("errors")[0];
        Assert.Equal("MEDIA_IN_USE", error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("Hero.jpg", message, StringComparison.Ordinal);
        Assert.Contains("Launch day is here", message, StringComparison.Ordinal);
        Assert.Contains("Last call before the launch", message, StringComparison.Ordinal);
        Assert.DoesNotContain("keeps nothing", message, StringComparison.Ordinal);
        Assert.Equal([first, second], error.GetProperty("postIds").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("Hero.jpg", refused.GetProperty("media").GetProperty("name").GetString());
        Assert.False((await api.Host.MediaItemAsync(item))!.Deleted);

        // Once no scheduled post uses it (one cancelled, the other edited to another item), it goes.
        Assert.Equal(0, (await api.Host.PostMutationAsync(owner, "cancelPost", new { postId = first })).GetProperty("errors").GetArrayLength());
        var stillRefused = await api.Host.MutateAsync(owner, "deleteMedia", "DeleteMediaInput", new { mediaId = item }, "errors { ... on MediaInUseError { postIds } }");
        Assert.Equal([second], stillRefused.GetProperty("errors")[0].GetProperty("postIds").EnumerateArray().Select(p => p.GetString()));
        var replacement = await api.Host.AddMediaAsync(workspace, "Other.jpg");
        var version = (await api.Host.PostAsync(owner, second)).GetProperty("version").GetInt32();
        var edited = await api.Host.PostMutationAsync(owner, "updatePost", new { postId = second, expectedVersion = version, text = "Last call", targets = new[] { new { connectionId = connection } } });
        Assert.Equal(0, edited.GetProperty("errors").GetArrayLength());

        var url = await ItemUrlAsync(owner, item);
        var deleted = await api.Host.MutateAsync(owner, "deleteMedia", "DeleteMediaInput", new { mediaId = item }, "media { id }");
        Assert.Equal(0, deleted.GetProperty("errors").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, deleted.GetProperty("media").ValueKind);
        Assert.True((await api.Host.MediaItemAsync(item))!.Deleted);

        // The file goes after the commit, by a durable message.
        await Eventually.TrueAsync(async () =>
        {
            await using var file = await store.OpenAsync(stored.StorageKey, null, CancellationToken.None);
            return file is null;
        }, "the deleted item's file is still stored", TimeSpan.FromSeconds(20));
        var content = await api.Host.SendAsync(HttpMethod.Get, url.PathAndQuery);
        Assert.NotEqual(200, content.Status);

        // A post using the deleted item can no longer be scheduled; the replacement can be.
        var later = await api.Host.DraftAsync(owner, workspace, "Reusing the hero", connection);
        await api.Host.UseMediaAsync(later, inTargets: true, item, replacement);
        var gone = await api.Host.ScheduleAsync(owner, later, at);
        Assert.Equal(["MEDIA_DELETED"], Codes(gone));
        Assert.Contains("Hero.jpg", gone.GetProperty("errors")[0].GetProperty("message").GetString()!, StringComparison.Ordinal);
        Assert.Equal("DRAFT", (await api.Host.PostAsync(owner, later)).GetProperty("status").GetString());
        Assert.Equal(["MEDIA_DELETED"], Codes(await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = later })));
    }

    [Fact]
    public async Task editing_a_scheduled_post_to_use_an_item_records_the_use_and_a_deleted_item_is_refused()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var item = await api.Host.AddMediaAsync(workspace, "Poster.jpg");
        var gone = await api.Host.AddMediaAsync(workspace, "Gone.jpg");
        Assert.Empty(Codes(await MutateAsync(owner, "deleteMedia", new { mediaId = gone })));
        var post = await api.Host.DraftAsync(owner, workspace, "Poster day", connection);
        Assert.Equal(0, (await api.Host.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddDays(2))).GetProperty("errors").GetArrayLength());

        async Task<JsonElement> EditAsync(string postMedia, string targetMedia)
        {
            var version = (await api.Host.PostAsync(owner, post)).GetProperty("version").GetInt32();
            return await api.Host.MutateAsync(owner, "updatePost", "UpdatePostInput", new
            {
                postId = post,
                expectedVersion = version,
                text = "Poster day",
                media = new[] { new { mediaId = postMedia } },
                targets = new[] { new { connectionId = connection, media = new[] { new { mediaId = targetMedia } } } },
            }, "post { status version } errors { ... on Error { code message path } }");
        }

        // Each input that names the deleted item is MEDIA_DELETED at its path, saying which item it was.
        var refused = await EditAsync(gone, gone);
        var errors = refused.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(["MEDIA_DELETED", "MEDIA_DELETED"], errors.Select(e => e.GetProperty("code").GetString()));
        Assert.Equal(["input.media.0.mediaId", "input.targets.0.media.0.mediaId"], errors.Select(e => string.Join('.', e.GetProperty("path").EnumerateArray().Select(p => p.GetString()))));
        Assert.All(errors, e => Assert.Contains("Gone.jpg", e.GetProperty("message").GetString()!, StringComparison.Ordinal));
        var before = await api.Host.PostAsync(owner, post);
        Assert.Equal("SCHEDULED", before.GetProperty("status").GetString());

        // An item that never was this workspace's is still NOT_FOUND.
        var unknown = await EditAsync(item, Nexus.Api.GraphQL.Relay.GlobalId.Encode(MediaItemType.TypeName, Guid.NewGuid()));
        Assert.Equal(["NOT_FOUND"], Codes(unknown));

        Assert.Empty(Codes(await EditAsync(item, item)));
        var refusedDelete = await MutateAsync(owner, "deleteMedia", new { mediaId = item });
        Assert.Equal(["MEDIA_IN_USE"], Codes(refusedDelete));
    }

    [Fact]
    public async Task an_item_deleted_between_an_edits_load_and_its_write_is_media_deleted_at_its_input()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var item = await api.Host.AddMediaAsync(workspace, "Raced.jpg");
        var post = await api.Host.DraftAsync(owner, workspace, "Raced edit", connection);
        Assert.Equal(0, (await api.Host.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddDays(2))).GetProperty("errors").GetArrayLength());

        var store = api.Host.Services.GetRequiredService<Marten.IDocumentStore>();
        await using var query = store.QuerySession();
        var stored = (await query.LoadAsync<Post>(Ids.Of(post)))!;
        MediaDraft[] media = [new(null, null, null, Ids.Of(item))];
        var command = new UpdatePost(stored.Id, Ids.Of(owner.UserId), stored.Version, "Raced edit", media,
            [new TargetDraft(Ids.Of(connection), null, media, new Dictionary<string, string>(), [])]);

        // The handler's load sees the item; the delete commits before its write fetches the item's stream.
        await using var session = store.LightweightSession();
        var around = await PostSurroundings.LoadAsync(session, null, command.Targets.Select(t => t.ConnectionId), CancellationToken.None, PostContent.LibraryIds(command));
        Assert.False(around.Library[Ids.Of(item)].Deleted);
        Assert.Empty(Codes(await MutateAsync(owner, "deleteMedia", new { mediaId = item })));
        var uses = await MediaUses.FetchAsync(session, MediaUses.Of(command), CancellationToken.None);

        var (outcome, events) = UpdatePostHandler.Handle(command, stored, around, api.Host.Services.GetRequiredService<Preflight>(), DateTimeOffset.UtcNow, uses);

        Assert.Empty(events);
        Assert.Equal([("MEDIA_DELETED", "input.media.0.mediaId"), ("MEDIA_DELETED", "input.targets.0.media.0.mediaId")],
            outcome.Errors.Select(e => (e.Code, string.Join('.', e.Path!))));
    }

    private async Task<Uri> ItemUrlAsync(Person person, string item)
    {
        var response = await api.Host.AsAsync(person, "query ($id: ID!) { node(id: $id) { ... on MediaItem { url } } }", new { id = item });
        return new Uri(response.Data.GetProperty("node").GetProperty("url").GetString()!);
    }
}
