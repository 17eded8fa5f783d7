using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Marketplace;
using Nexus.Api.Features.Marketplace.Threads;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Platforms;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Marketplace;

/// <summary>An application between a brand's workspace and a creator's, made from real events (the apply and accept slices are another's).</summary>
public sealed record Deal(Person Brand, string BrandWorkspace, Person Creator, string CreatorWorkspace, Guid Id)
{
    public string Application => GlobalId.Encode(CampaignApplication.TypeName, Id);
}

public static class DealScenarios
{
    /// <summary>A brand (owner of its workspace) and a creator (owner of theirs) with an application; <paramref name="paidAt"/> makes it a PAID contract.</summary>
    public static async Task<Deal> DealAsync(this IAlbaHost host, DateTimeOffset? paidAt = null, bool declined = false)
    {
        var brand = await host.PersonAsync("Brand");
        var creator = await host.PersonAsync("Creator");
        var brandWorkspace = await host.CreateWorkspaceAsync(brand, "Brand");
        var creatorWorkspace = await host.CreateWorkspaceAsync(creator, "Creator");
        var (id, brandId, creatorId) = (Guid.CreateVersion7(), Ids.Of(brandWorkspace), Ids.Of(creator.UserId));
        var at = (paidAt ?? DateTimeOffset.UtcNow).AddDays(-10);

        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.StartStream<CampaignApplication>(id,
            new ApplicationSubmitted(id, brandId, Guid.CreateVersion7(), creatorId, Ids.Of(creatorWorkspace), "I make reels", 10_000, "EUR", [], at));
        if (declined)
        {
            session.Events.Append(id, new ApplicationDeclined(id, brandId, Party.Brand, Ids.Of(brand.UserId), "Not this time", at));
        }

        if (paidAt is { } paid)
        {
            session.Events.Append(id,
                new OfferAccepted(id, brandId, 1, Party.Brand, creatorId, 10_000, 1_000, "EUR", [new ContractDeliverable(0, PlatformId.Sandbox, "post")], [], at),
                new ContractFunded(id, brandId, "pi_test", 10_000, "EUR", at),
                new ContractPaidOut(id, brandId, "tr_test", 9_000, 1_000, "EUR", paid));
        }

        await session.SaveChangesAsync();
        return new Deal(brand, brandWorkspace, creator, creatorWorkspace, id);
    }

    /// <summary>The creator's marketplace profile, published with an event as updateCreatorProfile would.</summary>
    public static async Task<string> CreatorProfileAsync(this IAlbaHost host, Deal deal)
    {
        var id = Guid.CreateVersion7();
        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.StartStream<CreatorProfile>(id, new CreatorProfilePublished(id, Ids.Of(deal.Creator.UserId), Ids.Of(deal.CreatorWorkspace), "Creator", "Reels", ["food"], "DE",
            [], [], DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
        return GlobalId.Encode(CreatorProfile.TypeName, id);
    }

    public static async Task<JsonElement> SendAsync(this IAlbaHost host, Person person, string application, string body) =>
        await host.MutateAsync(person, "sendApplicationMessage", "SendApplicationMessageInput", new { applicationId = application, body },
            "message { id by body authorName at } application { id messageCount }");

    public static async Task<IReadOnlyList<DroppedMail>> MailsAsync(this IAlbaHost host, string email, string kind, int count)
    {
        var drop = host.Services.GetRequiredService<MailDrop>();
        await Eventually.TrueAsync(() => drop.For(email).Count(m => m.Kind == kind) >= count, $"{count} {kind} email(s) to {email}");
        return [.. drop.For(email).Where(m => m.Kind == kind)];
    }
}

[Collection(ApiCollection.Name)]
public sealed class MessageTests(ApiFixture api)
{
    private const string Watch = "subscription ($id: ID!) { applicationMessages(applicationId: $id) { id by body authorName at } }";

    private const string Thread = "query ($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Application { messages(first: $first, after: $after) " +
        "{ edges { node { id by body authorName } } pageInfo { hasNextPage endCursor } } } } }";

    [Fact]
    public async Task a_party_sends_and_the_other_side_reads_it_receives_it_live_and_is_emailed()
    {
        var deal = await api.Host.DealAsync();
        await using var watching = await GraphQLWebSocketClient.ConnectedAsync(api.Host, deal.Creator.Token);
        await watching.SubscribeAsync("thread", Watch, new { id = deal.Application });
        Assert.Empty(await watching.RoundTripAsync());

        var sent = await api.Host.SendAsync(deal.Brand, deal.Application, "  Could you post on Friday?  ");
        Assert.Equal(0, sent.GetProperty("errors").GetArrayLength());
        Assert.Equal("BRAND", sent.GetProperty("message").GetProperty("by").GetString());
        Assert.Equal("Could you post on Friday?", sent.GetProperty("message").GetProperty("body").GetString());
        Assert.Equal("Brand", sent.GetProperty("message").GetProperty("authorName").GetString());
        Assert.Equal(1, sent.GetProperty("application").GetProperty("messageCount").GetInt32());

        var live = (await watching.NextAsync("thread", TimeSpan.FromSeconds(20))).GetProperty("data").GetProperty("applicationMessages");
        Assert.Equal(sent.GetProperty("message").GetProperty("id").GetString(), live.GetProperty("id").GetString());
        Assert.Equal("Could you post on Friday?", live.GetProperty("body").GetString());
        Assert.Equal("BRAND", live.GetProperty("by").GetString());

        var read = await api.Host.AsAsync(deal.Creator, Thread, new { id = deal.Application });
        var edges = read.Data.GetProperty("node").GetProperty("messages").GetProperty("edges");
        Assert.Equal(["Could you post on Friday?"], edges.EnumerateArray().Select(e => e.GetProperty("node").GetProperty("body").GetString()));

        var mail = Assert.Single(await api.Host.MailsAsync(deal.Creator.Email, "marketplace-message", 1));
        Assert.Contains("Could you post on Friday?", mail.TextBody);
        Assert.Empty(api.Host.Services.GetRequiredService<MailDrop>().For(deal.Brand.Email).Where(m => m.Kind == "marketplace-message"));
    }

    [Fact]
    public async Task the_thread_pages_oldest_first_and_both_sides_write_to_it()
    {
        var deal = await api.Host.DealAsync();
        foreach (var (person, body) in new[] { (deal.Creator, "one"), (deal.Brand, "two"), (deal.Creator, "three") })
        {
            Assert.Equal(0, (await api.Host.SendAsync(person, deal.Application, body)).GetProperty("errors").GetArrayLength());
        }

        var first = (await api.Host.AsAsync(deal.Brand, Thread, new { id = deal.Application, first = 2 })).Data.GetProperty("node").GetProperty("messages");
        Assert.Equal([("one", "CREATOR"), ("two", "BRAND")],
            first.GetProperty("edges").EnumerateArray().Select(e => (e.GetProperty("node").GetProperty("body").GetString(), e.GetProperty("node").GetProperty("by").GetString())));
        Assert.True(first.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());

        var after = first.GetProperty("pageInfo").GetProperty("endCursor").GetString();
        var rest = (await api.Host.AsAsync(deal.Brand, Thread, new { id = deal.Application, first = 2, after })).Data.GetProperty("node").GetProperty("messages");
        Assert.Equal(["three"], rest.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("body").GetString()));
        Assert.False(rest.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
    }

    [Fact]
    public async Task an_outsider_is_told_the_application_does_not_exist_and_gets_nothing_over_the_subscription()
    {
        var deal = await api.Host.DealAsync();
        var outsider = await api.Host.PersonAsync("Outsider");
        await api.Host.CreateWorkspaceAsync(outsider);

        var refused = await api.Host.SendAsync(outsider, deal.Application, "hello");
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(refused));
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("application").ValueKind);
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("message").ValueKind);
        var unknown = await api.Host.SendAsync(outsider, GlobalId.Encode(CampaignApplication.TypeName, Guid.CreateVersion7()), "hello");
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(unknown));

        var read = await api.Host.AsAsync(outsider, Thread, new { id = deal.Application });
        Assert.Equal(JsonValueKind.Null, read.Data.GetProperty("node").ValueKind);

        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, outsider.Token);
        await client.SubscribeAsync("thread", Watch, new { id = deal.Application });
        var codes = await client.ErrorCodesAsync("thread");
        await client.SubscribeAsync("unknown", Watch, new { id = GlobalId.Encode(CampaignApplication.TypeName, Guid.CreateVersion7()) });
        Assert.Equal(codes, await client.ErrorCodesAsync("unknown"));
        Assert.Equal(["FORBIDDEN"], codes);

        Assert.Equal(0, (await api.Host.SendAsync(deal.Brand, deal.Application, "only for the creator")).GetProperty("errors").GetArrayLength());
        Assert.Empty(await client.RoundTripAsync());
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(0, await session.Query<ApplicationMessage>().Where(m => m.ApplicationId == deal.Id && m.Body == "hello").CountAsync());
    }

    [Fact]
    public async Task a_member_removed_mid_subscription_stops_receiving()
    {
        var deal = await api.Host.DealAsync();
        var viewer = await api.Host.PersonAsync("Viewer");
        await api.Host.AddMemberAsync(deal.Brand, deal.BrandWorkspace, viewer, "VIEWER");
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, viewer.Token);
        await client.SubscribeAsync("thread", Watch, new { id = deal.Application });
        Assert.Empty(await client.RoundTripAsync());

        Assert.Equal(0, (await api.Host.SendAsync(deal.Creator, deal.Application, "first")).GetProperty("errors").GetArrayLength());
        Assert.Equal("first", (await client.NextAsync("thread", TimeSpan.FromSeconds(20))).GetProperty("data").GetProperty("applicationMessages").GetProperty("body").GetString());

        var removed = await api.Host.MutateAsync(deal.Brand, "removeMember", "RemoveMemberInput", new { workspaceId = deal.BrandWorkspace, userId = viewer.UserId });
        Assert.Equal(0, removed.GetProperty("errors").GetArrayLength());
        Assert.Equal(0, (await api.Host.SendAsync(deal.Creator, deal.Application, "second")).GetProperty("errors").GetArrayLength());
        Assert.Equal(["FORBIDDEN"], await client.ErrorCodesAsync("thread", TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task a_viewer_of_a_party_reads_but_cannot_write()
    {
        var deal = await api.Host.DealAsync();
        var viewer = await api.Host.PersonAsync("Viewer");
        await api.Host.AddMemberAsync(deal.Creator, deal.CreatorWorkspace, viewer, "VIEWER");

        Assert.Equal(["FORBIDDEN"], WorkspaceScenarios.ErrorCodesOf(await api.Host.SendAsync(viewer, deal.Application, "hi")));
        Assert.Equal(0, (await api.Host.SendAsync(deal.Brand, deal.Application, "hi")).GetProperty("errors").GetArrayLength());
        var read = await api.Host.AsAsync(viewer, Thread, new { id = deal.Application });
        Assert.Equal(1, read.Data.GetProperty("node").GetProperty("messages").GetProperty("edges").GetArrayLength());
    }

    [Theory]
    [InlineData("", "VALIDATION")]
    [InlineData("   ", "VALIDATION")]
    [InlineData("x", null)]
    [InlineData("4000", null)]
    [InlineData("4001", "VALIDATION")]
    public async Task a_message_is_1_to_4000_characters_once_trimmed(string body, string? code)
    {
        var deal = await api.Host.DealAsync();
        var text = int.TryParse(body, out var length) ? "  " + new string('a', length) + "\n" : body;
        var payload = await api.Host.SendAsync(deal.Creator, deal.Application, text);
        Assert.Equal(code is null ? [] : [code], WorkspaceScenarios.ErrorCodesOf(payload));
        if (code is not null)
        {
            Assert.Equal(["input", "body"], payload.GetProperty("errors")[0].GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        }
    }

    [Fact]
    public async Task a_declined_application_and_a_contract_paid_more_than_30_days_ago_take_no_more_messages()
    {
        var declined = await api.Host.DealAsync(declined: true);
        Assert.Equal(["APPLICATION_STATE"], WorkspaceScenarios.ErrorCodesOf(await api.Host.SendAsync(declined.Creator, declined.Application, "why?")));

        var longAgo = await api.Host.DealAsync(paidAt: DateTimeOffset.UtcNow.AddDays(-31));
        Assert.Equal(["APPLICATION_STATE"], WorkspaceScenarios.ErrorCodesOf(await api.Host.SendAsync(longAgo.Brand, longAgo.Application, "thanks")));

        var recently = await api.Host.DealAsync(paidAt: DateTimeOffset.UtcNow.AddDays(-29));
        Assert.Empty(WorkspaceScenarios.ErrorCodesOf(await api.Host.SendAsync(recently.Brand, recently.Application, "thanks")));
    }
}
