using System.Net;
using Nexus.Api.Features.EventStreams.Export;
using Nexus.Api.Features.EventStreams.Index;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Events;

[Collection(ApiCollection.Name)]
public sealed class EventExportTests(ApiFixture api)
{
    private static bool HasPost(IReadOnlyList<ExportedEvent> events) => events.Any(e => e.Type == "post_drafted");

    [Fact]
    public async Task each_workspace_exports_its_own_workspace_connection_and_post_events_masked_and_never_a_users()
    {
        var a = await api.Host.EventfulWorkspaceAsync("Alpha");
        var b = await api.Host.EventfulWorkspaceAsync("Beta");

        var alpha = await api.Host.IndexedAsync(a.Owner, a.Workspace, HasPost);
        var beta = await api.Host.IndexedAsync(b.Owner, b.Workspace, HasPost);

        Assert.Equal(["workspace_created", "member_invited", "account_connected", "post_drafted"], alpha.Select(e => e.Type).Where(t => !t.StartsWith("invitation", StringComparison.Ordinal)));
        Assert.Equal(["workspace_created", "member_invited", "account_connected", "post_drafted"], beta.Select(e => e.Type).Where(t => !t.StartsWith("invitation", StringComparison.Ordinal)));
        Assert.Empty(alpha.Select(e => e.Id).Intersect(beta.Select(e => e.Id)));
        Assert.DoesNotContain(alpha.Concat(beta), e => e.Type.StartsWith("user_", StringComparison.Ordinal) || e.Type == "email_verified");
        Assert.All(alpha, e => Assert.DoesNotContain("Beta", e.Data.GetRawText(), StringComparison.Ordinal));

        // Streams: the workspace's own, the connection's and the post's, each at its version.
        var (workspaceId, connectionId, postId) = (Raw(a.Workspace), Raw(a.Connection), Raw(a.Post));
        Assert.Equal((workspaceId, 1L), (alpha[0].StreamId, alpha[0].Version));
        Assert.Equal((workspaceId, 2L), (alpha.Single(e => e.Type == "member_invited").StreamId, alpha.Single(e => e.Type == "member_invited").Version));
        Assert.Equal((connectionId, 1L), (alpha.Single(e => e.Type == "account_connected").StreamId, 1L));
        Assert.Equal((postId, 1L), (alpha.Single(e => e.Type == "post_drafted").StreamId, alpha.Single(e => e.Type == "post_drafted").Version));
        Assert.Equal(alpha.Select(e => e.Sequence).Order(), alpha.Select(e => e.Sequence));
        Assert.Equal("Alpha says hello", alpha.Single(e => e.Type == "post_drafted").Data.GetProperty("Text").GetString());

        // Personal data is masked: the invited email, the connected account's name, handle, avatar and platform id.
        var invited = alpha.Single(e => e.Type == "member_invited").Data;
        Assert.Equal(EventMasking.Masked, invited.GetProperty("Email").GetString());
        Assert.DoesNotContain(alpha, e => e.Data.GetRawText().Contains(a.InvitedEmail, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(alpha, e => e.Data.GetRawText().Contains(a.Owner.Email, StringComparison.OrdinalIgnoreCase));
        var connected = alpha.Single(e => e.Type == "account_connected").Data;
        Assert.Equal(EventMasking.Masked, connected.GetProperty("ExternalId").GetString());
        Assert.Equal(EventMasking.Masked, connected.GetProperty("Name").GetString());
        Assert.Equal(workspaceId, connected.GetProperty("WorkspaceId").GetString());
    }

    [Fact]
    public async Task the_export_resumes_after_any_lines_cursor_filters_and_gzips_when_asked()
    {
        var a = await api.Host.EventfulWorkspaceAsync("Resume");
        var all = await api.Host.IndexedAsync(a.Owner, a.Workspace, HasPost);

        var rest = await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, after: all[1].Cursor));
        Assert.Equal(all.Skip(2).Select(e => e.Sequence), rest.Events.Select(e => e.Sequence));
        Assert.Equal(EventExport.ContentType, rest.Response.Content.Headers.ContentType?.MediaType);
        Assert.Empty((await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, after: all[^1].Cursor))).Events);

        var zipped = await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace), gzip: true);
        Assert.Contains("gzip", zipped.Response.Content.Headers.ContentEncoding);
        Assert.Equal(all.Select(e => e.Cursor), zipped.Events.Select(e => e.Cursor));
        var plain = await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace));
        Assert.Empty(plain.Response.Content.Headers.ContentEncoding);

        var typed = await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, types: "post_drafted,account_connected"));
        Assert.Equal(["account_connected", "post_drafted"], typed.Events.Select(e => e.Type));

        var drafted = all.Single(e => e.Type == "post_drafted");
        var since = await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, from: drafted.Timestamp));
        Assert.Equal(drafted.Sequence, since.Events[0].Sequence);
        var before = await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, to: drafted.Timestamp));
        Assert.DoesNotContain(before.Events, e => e.Type == "post_drafted");
        Assert.Equal(all.Select(e => e.Sequence), before.Events.Concat(since.Events).Select(e => e.Sequence).Order());
    }

    [Fact]
    public async Task anonymous_callers_get_401_outsiders_404_viewers_and_editors_403_and_bad_arguments_400()
    {
        var a = await api.Host.EventfulWorkspaceAsync("Guarded");
        var outsider = await api.Host.PersonAsync("Outsider");
        var viewer = await api.Host.PersonAsync("Viewer");
        var admin = await api.Host.PersonAsync("Admin");
        await api.Host.AddMemberAsync(a.Owner, a.Workspace, viewer, "VIEWER");
        await api.Host.AddMemberAsync(a.Owner, a.Workspace, admin, "ADMIN");
        var query = EventScenarios.ExportQuery(a.Workspace);

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Host.ExportAsync(null, query)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Host.ExportAsync("not-a-token", query)).Status);
        var asOutsider = await api.Host.ExportAsync(outsider.Token, query);
        var unknown = await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(GlobalId.Encode("Workspace", Guid.NewGuid())));
        Assert.Equal(HttpStatusCode.NotFound, asOutsider.Status);
        Assert.Equal(asOutsider.Body, unknown.Body);
        var asViewer = await api.Host.ExportAsync(viewer.Token, query);
        Assert.Equal(HttpStatusCode.Forbidden, asViewer.Status);
        Assert.Contains("\"error\":\"forbidden\"", asViewer.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await api.Host.ExportAsync(admin.Token, query)).Status);

        Assert.Equal(HttpStatusCode.BadRequest, (await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery("nonsense"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, after: "garbage"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, types: "no_such_event"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, from: "2027-01-01T00:00:00"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, from: "2027-01-02T00:00:00Z", to: "2027-01-01T00:00:00Z"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, types: string.Join(',', Enumerable.Repeat("post_drafted", EventFilter.MaxTypes + 1))))).Status);
    }

    [Fact]
    public void every_masking_rule_names_a_known_event_type_and_its_properties()
    {
        var store = api.Host.Services.GetService(typeof(Marten.IDocumentStore)) as Marten.IDocumentStore;
        var known = store!.Options.Events.AllKnownEventTypes().ToDictionary(t => t.EventTypeName, t => t.EventType);
        Assert.All(EventMasking.MaskedProperties, rule =>
        {
            Assert.True(known.ContainsKey(rule.Key), $"{rule.Key} is not a stored event type name");
            Assert.All(rule.Value, property => Assert.NotNull(known[rule.Key].GetProperty(property)));
        });
    }

    private static string Raw(string globalId) => GlobalId.TryParse(globalId, out var id) ? id.Id.ToString() : throw new ArgumentException(globalId);
}
