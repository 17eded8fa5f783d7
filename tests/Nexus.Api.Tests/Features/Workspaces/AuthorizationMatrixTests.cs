using System.Text.RegularExpressions;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.GraphQL.Authorization;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Workspaces;

/// <summary>
/// Every workspace-scoped field, called as an outsider and as each role, must answer exactly as the README's
/// permission matrix says. A field that declares a role without a README row or an operation here fails.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class AuthorizationMatrixTests(ApiFixture api)
{
    /// <summary>
    /// An operation; <paramref name="Prepare"/> makes what it acts on (a connection, a choice) in the workspace.
    /// Subscriptions are sent over WebSocket: refused, they answer an <c>error</c> message before the <c>pong</c> of a
    /// <c>ping</c> sent after them; allowed, nothing.
    /// </summary>
    /// <paramref name="Personal"/>: what Prepare makes belongs to the one who made it (a pending account choice), so
    /// each caller the matrix allows gets one of their own; the others are refused the owner's.
    /// <paramref name="Via"/>: the app scopes of the fields the query passes through to reach this one (a post's metrics are reached through <c>post</c>).
    private sealed record Call(string Query, Func<string, string, object> Variables, Func<Alba.IAlbaHost, Person, string, Task<string>>? Prepare = null, bool Subscription = false, bool Personal = false,
        string[]? Via = null);

    private static readonly Dictionary<string, Call> Operations = new()
    {
        ["workspace"] = new("query ($id: ID!) { workspace(id: $id) { id } }", (ws, _) => new { id = ws }),
        ["Workspace.members"] = new("query ($id: ID!) { workspace(id: $id) { members { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["Workspace.invitations"] = new("query ($id: ID!) { workspace(id: $id) { invitations { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["Workspace.activity"] = new("query ($id: ID!) { workspace(id: $id) { activity { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["renameWorkspace"] = Mutation("renameWorkspace", "RenameWorkspaceInput", (ws, _) => new { workspaceId = ws, name = "Renamed" }),
        ["updateWorkspaceSettings"] = Mutation("updateWorkspaceSettings", "UpdateWorkspaceSettingsInput", (ws, _) => new { workspaceId = ws, timeZone = "Asia/Tokyo" }),
        ["inviteMember"] = Mutation("inviteMember", "InviteMemberInput", (ws, _) => new { workspaceId = ws, email = $"new-{Guid.NewGuid():N}@example.com", role = "VIEWER" }),
        ["cancelInvitation"] = Mutation("cancelInvitation", "CancelInvitationInput", (ws, _) => new { workspaceId = ws, email = "nobody@example.com" }),
        ["changeMemberRole"] = Mutation("changeMemberRole", "ChangeMemberRoleInput", (ws, target) => new { workspaceId = ws, userId = target, role = "EDITOR" }),
        ["removeMember"] = Mutation("removeMember", "RemoveMemberInput", (ws, target) => new { workspaceId = ws, userId = target }),
        ["leaveWorkspace"] = Mutation("leaveWorkspace", "LeaveWorkspaceInput", (ws, _) => new { workspaceId = ws }),
        ["transferOwnership"] = Mutation("transferOwnership", "TransferOwnershipInput", (ws, target) => new { workspaceId = ws, userId = target }),
        ["Workspace.connections"] = new("query ($id: ID!) { workspace(id: $id) { connections { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["startConnection"] = Mutation("startConnection", "StartConnectionInput", (ws, _) => new { workspaceId = ws, platform = "SANDBOX" }),
        ["disconnectAccount"] = Mutation("disconnectAccount", "DisconnectAccountInput", (connection, _) => new { connectionId = connection },
            (host, owner, ws) => Connections.ConnectionScenarios.ConnectSandboxAsync(host, owner, ws)),
        ["connectionStatusChanged"] = new("subscription ($id: ID!) { connectionStatusChanged(workspaceId: $id) { id } }", (ws, _) => new { id = ws }, Subscription: true),
        ["postChanged"] = new("subscription ($id: ID!) { postChanged(workspaceId: $id) { change } }", (ws, _) => new { id = ws }, Subscription: true),
        ["postStatusChanged"] = new("subscription ($id: ID!) { postStatusChanged(workspaceId: $id) { status } }", (ws, _) => new { id = ws }, Subscription: true),
        ["connectChosenAccounts"] = Mutation("connectChosenAccounts", "ConnectChosenAccountsInput", (choice, _) => new { choiceId = choice, externalIds = new[] { "sbx-none" } },
            async (host, owner, ws) => (await Connections.ConnectionScenarios.ConsentAsync(host, await Connections.ConnectionScenarios.StartSandboxAsync(host, owner, ws), pages: true)).Choice!, personal: true),
        ["post"] = new("query ($id: ID!) { post(id: $id) { id } }", (post, _) => new { id = post }, DraftedPostAsync),
        ["Workspace.posts"] = new("query ($id: ID!) { workspace(id: $id) { posts { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["PostTarget.interactions"] = new("query ($id: ID!) { post(id: $id) { targets { interactions { comments } } } }", (post, _) => new { id = post }, DraftedPostAsync, Via: [AppScope.PostsRead]),
        ["Workspace.calendar"] = new("query ($id: ID!) { workspace(id: $id) { calendar(from: \"2026-11-01\", to: \"2026-11-30\") { date } } }", (ws, _) => new { id = ws }),
        ["draftPost"] = Mutation("draftPost", "DraftPostInput", (subject, _) => new { workspaceId = subject.Split('|')[0], text = "hi", targets = new[] { new { connectionId = subject.Split('|')[1] } } },
            async (host, owner, ws) => ws + "|" + await Connections.ConnectionScenarios.ConnectSandboxAsync(host, owner, ws)),
        ["updatePost"] = Mutation("updatePost", "UpdatePostInput", (post, _) => new { postId = post, expectedVersion = 1, text = "edited", targets = Array.Empty<object>() }, DraftedPostAsync),
        ["discardPost"] = Mutation("discardPost", "DiscardPostInput", (post, _) => new { postId = post }, DraftedPostAsync),
        ["schedulePost"] = Mutation("schedulePost", "SchedulePostInput", (post, _) => new { postId = post, at = "2099-01-01T09:00:00Z" }, DraftedPostAsync),
        ["reschedulePost"] = Mutation("reschedulePost", "ReschedulePostInput", (post, _) => new { postId = post, at = "2099-01-01T09:00:00Z" }, DraftedPostAsync),
        ["cancelPost"] = Mutation("cancelPost", "CancelPostInput", (post, _) => new { postId = post }, DraftedPostAsync),
        ["publishPostNow"] = Mutation("publishPostNow", "PublishPostNowInput", (post, _) => new { postId = post }, DraftedPostAsync),
        ["addPostToQueue"] = Mutation("addPostToQueue", "AddPostToQueueInput", (post, _) => new { postId = post }, DraftedPostAsync),
        ["retryTarget"] = Mutation("retryTarget", "RetryTargetInput", (post, _) => new { postId = post, targetId = Nexus.Api.GraphQL.Relay.GlobalId.Encode("PostTarget", Guid.NewGuid()) }, DraftedPostAsync),
        ["fitMediaToTargets"] = Mutation("fitMediaToTargets", "FitMediaToTargetsInput", (post, _) => new { postId = post }, DraftedPostAsync),
        ["Post.metrics"] = new("query ($id: ID!) { post(id: $id) { metrics { impressions } } }", (post, _) => new { id = post }, DraftedPostAsync, Via: [AppScope.PostsRead]),
        ["PostTarget.metrics"] = new("query ($id: ID!) { post(id: $id) { targets { metrics { nextSyncAt } } } }", (post, _) => new { id = post }, DraftedPostAsync, Via: [AppScope.PostsRead]),
        ["refreshMetrics"] = Mutation("refreshMetrics", "RefreshMetricsInput", (post, _) => new { postId = post }, DraftedPostAsync),
        ["setPostingSchedule"] = Mutation("setPostingSchedule", "SetPostingScheduleInput",
            (ws, _) => new { workspaceId = ws, timeZone = "Europe/Berlin", slots = new[] { new { dayOfWeek = "MONDAY", time = "09:00" } } }),
        ["Workspace.analytics"] = new("query ($id: ID!) { workspace(id: $id) { analytics(from: \"2027-01-01T00:00:00Z\", to: \"2027-02-01T00:00:00Z\") { totals { postsPublished } dashboard { connectedAccounts } } } }",
            (ws, _) => new { id = ws }),
        ["Workspace.bestTimes"] = new("query ($id: ID!) { workspace(id: $id) { bestTimes { postsAnalysed } } }", (ws, _) => new { id = ws }),
        ["Connection.audience"] = new("query ($id: ID!) { workspace(id: $id) { connections { edges { node { audience(from: \"2027-01-01T00:00:00Z\", to: \"2027-02-01T00:00:00Z\") { followers } } } } } }",
            (ws, _) => new { id = ws }, async (host, owner, ws) => { await Connections.ConnectionScenarios.ConnectSandboxAsync(host, owner, ws); return ws; }, Via: [AppScope.ConnectionsRead]),
        ["suggestPostingSchedule"] = Mutation("suggestPostingSchedule", "SuggestPostingScheduleInput", (ws, _) => new { workspaceId = ws }),
        ["Workspace.events"] = new("query ($id: ID!) { workspace(id: $id) { events(first: 1) { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["eventsAppended"] = new("subscription ($id: ID!) { eventsAppended(workspaceId: $id) { cursor } }", (ws, _) => new { id = ws }, Subscription: true),
        ["Workspace.plan"] = new("query ($id: ID!) { workspace(id: $id) { plan { id status renewsAt limits { name limit used overLimit } } } }", (ws, _) => new { id = ws }),
        ["startCheckout"] = Mutation("startCheckout", "StartCheckoutInput", (ws, _) => new { workspaceId = ws, plan = "starter", interval = "MONTH" }),
        ["openBillingPortal"] = Mutation("openBillingPortal", "OpenBillingPortalInput", (ws, _) => new { workspaceId = ws }),
        ["Workspace.billingHistory"] = new("query ($id: ID!) { workspace(id: $id) { billingHistory { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["Workspace.apps"] = new("query ($id: ID!) { workspace(id: $id) { apps { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["registerApp"] = Mutation("registerApp", "RegisterAppInput",
            (ws, _) => new { workspaceId = ws, name = "Matrix app", redirectUris = new[] { "https://app.example/cb" }, scopes = new[] { "posts:read" }, confidential = false }),
        ["rotateAppSecret"] = Mutation("rotateAppSecret", "RotateAppSecretInput", (app, _) => new { appId = app }, (host, owner, ws) => Apps.AppScenarios.RegisteredAppIdAsync(host, owner, ws)),
        ["deleteApp"] = Mutation("deleteApp", "DeleteAppInput", (app, _) => new { appId = app }, (host, owner, ws) => Apps.AppScenarios.RegisteredAppIdAsync(host, owner, ws)),
        ["Workspace.webhookEndpoints"] = new("query ($id: ID!) { workspace(id: $id) { webhookEndpoints { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["WebhookEndpoint.deliveries"] = new("query ($id: ID!) { workspace(id: $id) { webhookEndpoints { edges { node { deliveries { edges { cursor } } } } } } }", (ws, _) => new { id = ws },
            async (host, owner, ws) => { await Hooks.HookMatrix.EndpointAsync(host, owner, ws); return ws; }),
        ["createWebhookEndpoint"] = Mutation("createWebhookEndpoint", "CreateWebhookEndpointInput",
            (ws, _) => new { workspaceId = ws, url = "https://93.184.215.14/hooks", eventTypes = new[] { "media.processed" } }),
        ["updateWebhookEndpoint"] = Mutation("updateWebhookEndpoint", "UpdateWebhookEndpointInput", (endpoint, _) => new { endpointId = endpoint, enabled = false }, Hooks.HookMatrix.EndpointAsync),
        ["deleteWebhookEndpoint"] = Mutation("deleteWebhookEndpoint", "DeleteWebhookEndpointInput", (endpoint, _) => new { endpointId = endpoint }, Hooks.HookMatrix.EndpointAsync, personal: true),
        ["rotateWebhookSecret"] = Mutation("rotateWebhookSecret", "RotateWebhookSecretInput", (endpoint, _) => new { endpointId = endpoint }, Hooks.HookMatrix.EndpointAsync),
        ["pingWebhookEndpoint"] = Mutation("pingWebhookEndpoint", "PingWebhookEndpointInput", (endpoint, _) => new { endpointId = endpoint }, Hooks.HookMatrix.DisabledEndpointAsync),
        ["mediaProcessing"] = new("subscription ($id: ID!) { mediaProcessing(workspaceId: $id) { change } }", (ws, _) => new { id = ws }, Subscription: true),
        ["processMedia"] = Mutation("processMedia", "ProcessMediaInput", (media, _) => new { mediaId = media, operation = new { resizeImage = new { aspect = "1:1", width = 32 } } },
            Media.Processing.ProcessingScenarios.MatrixImageAsync),
        ["redeliverWebhook"] = Mutation("redeliverWebhook", "RedeliverWebhookInput", (delivery, _) => new { deliveryId = delivery }, Hooks.HookMatrix.DeliveryAsync),
        // Nothing listens on port 9: the import fails fast (refused, or unreachable) once access is granted.
        ["importMedia"] = Mutation("importMedia", "ImportMediaInput", (ws, _) => new { workspaceId = ws, url = "http://127.0.0.1:9/matrix.jpg" }),
        ["Workspace.media"] = new("query ($id: ID!) { workspace(id: $id) { media { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["renameMedia"] = Mutation("renameMedia", "RenameMediaInput", (item, _) => new { mediaId = item, name = "Renamed" }, MediaItemAsync),
        ["tagMedia"] = Mutation("tagMedia", "TagMediaInput", (item, _) => new { mediaId = item, tags = new[] { "matrix" } }, MediaItemAsync),
        ["deleteMedia"] = Mutation("deleteMedia", "DeleteMediaInput", (item, _) => new { mediaId = item }, MediaItemAsync),
        ["Workspace.products"] = new("query ($id: ID!) { workspace(id: $id) { products { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["createProduct"] = Mutation("createProduct", "CreateProductInput", (ws, _) => Storefront.ProductScenarios.PhysicalInput(ws)),
        ["updateProduct"] = Mutation("updateProduct", "UpdateProductInput",
            (product, _) => new { productId = product, title = "Edited", price = 100, currency = "EUR", delivery = "PHYSICAL", variants = new[] { new { name = "New" } } }, ProductAsync),
        ["publishProduct"] = Mutation("publishProduct", "PublishProductInput", (product, _) => new { productId = product }, ProductAsync),
        ["archiveProduct"] = Mutation("archiveProduct", "ArchiveProductInput", (product, _) => new { productId = product }, ProductAsync),
        ["adjustInventory"] = Mutation("adjustInventory", "AdjustInventoryInput", (subject, _) => new { productId = subject.Split('|')[0], variantId = subject.Split('|')[1], delta = 1 },
            (host, owner, ws) => Storefront.ProductScenarios.ProductAndVariantAsync(host, owner, ws)),
        ["fulfillOrder"] = Mutation("fulfillOrder", "FulfillOrderInput", (order, _) => new { orderId = order }, Storefront.OrderScenarios.PendingOrderAsync),
        ["refundOrder"] = Mutation("refundOrder", "RefundOrderInput", (order, _) => new { orderId = order }, Storefront.OrderScenarios.PendingOrderAsync),
        ["Workspace.orders"] = new("query ($id: ID!) { workspace(id: $id) { orders { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["Workspace.storefrontHandle"] = new("query ($id: ID!) { workspace(id: $id) { storefrontHandle } }", (ws, _) => new { id = ws }),
        ["setStorefrontHandle"] = Mutation("setStorefrontHandle", "SetStorefrontHandleInput", (ws, _) => new { workspaceId = ws, handle = $"m-{Ids.Of(ws):N}" }),
        ["Workspace.sales"] = new("query ($id: ID!) { workspace(id: $id) { sales(from: \"2026-01-01T00:00:00Z\", to: \"2026-02-01T00:00:00Z\") { totals { currency } } } }", (ws, _) => new { id = ws }),
        ["updateCreatorProfile"] = Mutation("updateCreatorProfile", "UpdateCreatorProfileInput", (ws, _) => new { workspaceId = ws, displayName = "Matrix creator" }),
        ["createCampaign"] = Mutation("createCampaign", "CreateCampaignInput", (ws, _) => CampaignInput(ws)),
        ["openCampaign"] = Mutation("openCampaign", "OpenCampaignInput", (campaign, _) => new { campaignId = campaign }, CampaignAsync),
        ["closeCampaign"] = Mutation("closeCampaign", "CloseCampaignInput", (campaign, _) => new { campaignId = campaign }, CampaignAsync),
        ["cancelCampaign"] = Mutation("cancelCampaign", "CancelCampaignInput", (campaign, _) => new { campaignId = campaign }, CampaignAsync),
        ["inviteCreator"] = Mutation("inviteCreator", "InviteCreatorInput",
            (campaign, _) => new { campaignId = campaign, creatorProfileId = Nexus.Api.GraphQL.Relay.GlobalId.Encode("CreatorProfile", Guid.NewGuid()) }, CampaignAsync),
        ["Workspace.campaigns"] = new("query ($id: ID!) { workspace(id: $id) { campaigns { edges { cursor } } } }", (ws, _) => new { id = ws }),
        ["Campaign.applications"] = new("query ($id: ID!) { workspace(id: $id) { campaigns { edges { node { applications { edges { cursor } } } } } } }", (ws, _) => new { id = ws },
            async (host, owner, ws) => { await CampaignAsync(host, owner, ws); return ws; }),
    };

    private static object CampaignInput(string workspace) => new
    {
        workspaceId = workspace,
        title = "Matrix campaign",
        deliverables = new[] { new { platform = "SANDBOX", format = "post", count = 1 } },
        budget = 10_000,
        currency = "EUR",
        paymentModel = "FIXED_PER_CREATOR",
    };

    private static async Task<string> CampaignAsync(Alba.IAlbaHost host, Person owner, string workspace) =>
        (await host.MutateAsync(owner, "createCampaign", "CreateCampaignInput", CampaignInput(workspace), "campaign { id }")).GetProperty("campaign").GetProperty("id").GetString()!;

    private static Task<string> ProductAsync(Alba.IAlbaHost host, Person owner, string workspace) => Storefront.ProductScenarios.CreateProductAsync(host, owner, workspace);

    private static Task<string> MediaItemAsync(Alba.IAlbaHost host, Person owner, string workspace) => Media.MediaScenarios.AddMediaAsync(host, workspace);

    private static async Task<string> DraftedPostAsync(Alba.IAlbaHost host, Person owner, string workspace) =>
        await Posts.PostScenarios.DraftAsync(host, owner, workspace, "matrix", await Connections.ConnectionScenarios.ConnectSandboxAsync(host, owner, workspace));

    [Fact]
    public void the_readme_matrix_the_schema_and_this_test_name_the_same_fields_and_roles()
    {
        var readme = ReadmeMatrix();
        var schema = SchemaMatrix();

        Assert.Equal(schema.Keys.Order(), readme.Keys.Order());
        Assert.Equal(schema.Keys.Order(), Operations.Keys.Order());
        Assert.All(schema, field => Assert.Equal(field.Value, readme[field.Key]));

        var scopes = ReadmeScopes();
        Assert.Equal(schema.Keys.Order(), scopes.Keys.Order());
        Assert.All(SchemaScopes(), field => Assert.True(field.Value == scopes[field.Key], $"{field.Key}: the schema says {field.Value}, the README {scopes[field.Key]}"));
    }

    /// <summary>
    /// Every field of the matrix, called with an app's token (the app acting alone: ADMIN in its one workspace): with a
    /// token holding exactly the field's scope (and those of the fields it is reached through) it answers as ADMIN does,
    /// unless the field is first-party; with every other scope but that one, or with a token of another workspace
    /// holding every scope, it is FORBIDDEN.
    /// </summary>
    [Fact]
    public async Task every_workspace_field_answers_app_tokens_as_its_scope_says()
    {
        var required = ReadmeMatrix();
        var scopes = SchemaScopes();
        Person owner = await api.Host.PersonAsync("Owner"), target = await api.Host.PersonAsync("Target");
        var elsewhere = await api.Host.AppAloneAsync(owner, await api.Host.CreateWorkspaceAsync(owner, "Elsewhere"));
        var failures = new List<string>();

        foreach (var (field, call) in Operations)
        {
            var workspace = await api.Host.CreateWorkspaceAsync(owner);
            await api.Host.AddMemberAsync(owner, workspace, target, "VIEWER");
            var subject = call.Prepare is null ? workspace : await call.Prepare(api.Host, owner, workspace);
            var app = await api.Host.RegisterConfidentialAppAsync(owner, workspace);
            var scope = scopes[field];
            async Task ExpectAsync(string name, string[] held, bool allowed, Person? caller = null)
            {
                caller ??= new Person("", await api.Host.AppTokenAsync(app, held), "");
                var (codes, answer) = call.Subscription
                    ? await SubscribeAsync(caller, call.Query, call.Variables(subject, target.UserId))
                    : await CallAsync(caller, call.Query, call.Variables(subject, target.UserId));
                if (codes.Contains("FORBIDDEN") == allowed || codes.Any(code => code is not "FORBIDDEN"))
                {
                    failures.Add($"{field} with {name}: expected {(allowed ? "allowed" : "FORBIDDEN")}, got {answer}");
                }
            }

            // Refused calls first: they change nothing, so the allowed one acts on what Prepare made.
            if (scope == FirstParty)
            {
                await ExpectAsync("every app scope", [.. AppScope.All], allowed: false);
                continue;
            }

            await ExpectAsync("another workspace's token", [], allowed: false, elsewhere);
            var needed = (scope == AnyApp ? [AppScope.EventsRead] : new[] { scope[1..^1] }).Concat(call.Via ?? []).Distinct().ToArray();
            if (scope != AnyApp)
            {
                await ExpectAsync("every scope but " + scope, [.. AppScope.All.Except([scope[1..^1]])], allowed: false);
            }

            await ExpectAsync(string.Join(" ", needed), needed, allowed: required[field] <= Role.Admin);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task every_workspace_field_answers_each_role_as_the_matrix_says()
    {
        var required = ReadmeMatrix();
        Person owner = await api.Host.PersonAsync("Owner"), admin = await api.Host.PersonAsync("Admin"),
            editor = await api.Host.PersonAsync("Editor"), viewer = await api.Host.PersonAsync("Viewer"),
            target = await api.Host.PersonAsync("Target"), outsider = await api.Host.PersonAsync("Outsider");
        (string Name, Person Person, Role? Role)[] callers =
            [("outsider", outsider, null), ("VIEWER", viewer, Role.Viewer), ("EDITOR", editor, Role.Editor), ("ADMIN", admin, Role.Admin), ("OWNER", owner, Role.Owner)];
        var failures = new List<string>();

        foreach (var (field, call) in Operations)
        {
            // A fresh workspace per field: leaving, removing and transferring change who is in it. Callers go from
            // least to most privileged, so the owner acts last.
            var workspace = await api.Host.CreateWorkspaceAsync(owner);
            await api.Host.AddMemberAsync(owner, workspace, admin, "ADMIN");
            await api.Host.AddMemberAsync(owner, workspace, editor, "EDITOR");
            await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
            await api.Host.AddMemberAsync(owner, workspace, target, "VIEWER");

            var subject = call.Prepare is null ? workspace : await call.Prepare(api.Host, owner, workspace);
            foreach (var (name, person, role) in callers)
            {
                var own = call.Personal && role >= required[field] ? await call.Prepare!(api.Host, person, workspace) : subject;
                var (codes, answer) = call.Subscription
                    ? await SubscribeAsync(person, call.Query, call.Variables(own, target.UserId))
                    : await CallAsync(person, call.Query, call.Variables(own, target.UserId));
                var forbidden = codes.Contains("FORBIDDEN");
                var allowed = role >= required[field];
                if (forbidden == allowed || codes.Any(code => code is not "FORBIDDEN"))
                {
                    failures.Add($"{field} as {name}: expected {(allowed ? "allowed" : "FORBIDDEN")}, got {answer}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private async Task<(string[] Codes, string Answer)> CallAsync(Person person, string query, object variables)
    {
        var response = await api.Host.AsAsync(person, query, variables);
        return (response.ErrorCodes, $"{response.Status} {response.Body}");
    }

    private async Task<(string[] Codes, string Answer)> SubscribeAsync(Person person, string query, object variables)
    {
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, person.Token);
        await client.SubscribeAsync("matrix", query, variables);
        var answers = await client.RoundTripAsync();
        var codes = answers.Where(m => m.GetProperty("type").GetString() == "error")
            .SelectMany(m => m.GetProperty("payload").EnumerateArray().Select(e => e.GetProperty("extensions").GetProperty("code").GetString()!));
        return ([.. codes], answers.Length == 0 ? "subscribed" : string.Join(", ", answers));
    }

    private Dictionary<string, Role> SchemaMatrix()
    {
        var schema = api.Host.Services.GetRequiredService<NexusSchema>();
        schema.Initialize();
        var roots = new IGraphType?[] { schema.Query, schema.Mutation, schema.Subscription };
        return schema.AllTypes.OfType<IComplexGraphType>()
            .SelectMany(type => type.Fields.Select(field => (type, field)))
            .Where(x => x.field.HasMetadata(WorkspaceAccess.MinimumRoleKey))
            .ToDictionary(
                x => roots.Contains(x.type) ? x.field.Name : $"{x.type.Name}.{x.field.Name}",
                x => x.field.GetMetadata<Role>(WorkspaceAccess.MinimumRoleKey));
    }

    private const string FirstParty = "first-party";
    private const string AnyApp = "any app";

    /// <summary>What each matrix field declares for apps, as the README writes it: <c>`posts:read`</c>, <c>first-party</c> or <c>any app</c>.</summary>
    private Dictionary<string, string> SchemaScopes()
    {
        var schema = api.Host.Services.GetRequiredService<NexusSchema>();
        schema.Initialize();
        var roots = new IGraphType?[] { schema.Query, schema.Mutation, schema.Subscription };
        return schema.AllTypes.OfType<IComplexGraphType>()
            .SelectMany(type => type.Fields.Select(field => (type, field)))
            .Where(x => x.field.HasMetadata(WorkspaceAccess.MinimumRoleKey))
            .ToDictionary(
                x => roots.Contains(x.type) ? x.field.Name : $"{x.type.Name}.{x.field.Name}",
                x => x.field.IsFirstPartyOnly() ? FirstParty : x.field.IsOpenToAnyApp() ? AnyApp : x.field.NeededScope() is { } scope ? $"`{scope}`" : "undeclared");
    }

    private static Dictionary<string, string> ReadmeScopes() =>
        MatrixScopeRow().Matches(ReadmeSection()).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    private static string ReadmeSection()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        var section = readme[readme.IndexOf("### Permission matrix", StringComparison.Ordinal)..];
        return section[..section.IndexOf("\n\n", section.IndexOf('|', StringComparison.Ordinal), StringComparison.Ordinal)];
    }

    private static Dictionary<string, Role> ReadmeMatrix() =>
        MatrixRow().Matches(ReadmeSection()).ToDictionary(m => m.Groups[1].Value, m => Enum.Parse<Role>(m.Groups[2].Value, ignoreCase: true));

    private static Call Mutation(string field, string inputType, Func<string, string, object> input, Func<Alba.IAlbaHost, Person, string, Task<string>>? prepare = null, bool personal = false) =>
        new($"mutation ($input: {inputType}!) {{ {field}(input: $input) {{ errors {{ __typename }} }} }}", (ws, target) => new { input = input(ws, target) }, prepare, Personal: personal);

    [GeneratedRegex(@"^\| `([A-Za-z.]+)` \| (VIEWER|EDITOR|ADMIN|OWNER) \|", RegexOptions.Multiline)]
    private static partial Regex MatrixRow();

    [GeneratedRegex(@"^\| `([A-Za-z.]+)` \| (?:VIEWER|EDITOR|ADMIN|OWNER) \| (`[a-z:]+`|first-party|any app) \|", RegexOptions.Multiline)]
    private static partial Regex MatrixScopeRow();
}
