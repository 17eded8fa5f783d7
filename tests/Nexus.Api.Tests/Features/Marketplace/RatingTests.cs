using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Marketplace;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Marketplace;

[Collection(ApiCollection.Name)]
public sealed class RatingTests(ApiFixture api)
{
    private const string Rate = "mutation ($input: RateContractInput!) { rateContract(input: $input) { application { contract { brandRating { stars comment } creatorRating { stars } } } " +
        "errors { __typename ... on Error { code message path } } } }";

    private const string ProfileRating = "query ($id: ID!) { node(id: $id) { ... on CreatorProfile { rating { average count } } } }";

    private async Task<JsonElement> RateAsync(Person person, string application, int stars, string? comment = null)
    {
        var response = await api.Host.AsAsync(person, Rate, new { input = new { applicationId = application, stars, comment } });
        Assert.True(response.Status == 200 && response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("rateContract");
    }

    [Fact]
    public async Task each_side_rates_a_paid_contract_once_and_the_other_side_is_told()
    {
        var deal = await api.Host.DealAsync(paidAt: DateTimeOffset.UtcNow.AddDays(-1));
        var profile = await api.Host.CreatorProfileAsync(deal);

        var brand = await RateAsync(deal.Brand, deal.Application, 4, "  Great reel  ");
        Assert.Empty(WorkspaceScenarios.ErrorCodesOf(brand));
        var brandRating = brand.GetProperty("application").GetProperty("contract").GetProperty("brandRating");
        Assert.Equal(4, brandRating.GetProperty("stars").GetInt32());
        Assert.Equal("Great reel", brandRating.GetProperty("comment").GetString());

        var again = await RateAsync(deal.Brand, deal.Application, 1);
        Assert.Equal(["ALREADY_RATED"], WorkspaceScenarios.ErrorCodesOf(again));
        Assert.Equal(4, again.GetProperty("application").GetProperty("contract").GetProperty("brandRating").GetProperty("stars").GetInt32());

        var creator = await RateAsync(deal.Creator, deal.Application, 5);
        Assert.Empty(WorkspaceScenarios.ErrorCodesOf(creator));
        Assert.Equal(5, creator.GetProperty("application").GetProperty("contract").GetProperty("creatorRating").GetProperty("stars").GetInt32());
        Assert.Equal(["ALREADY_RATED"], WorkspaceScenarios.ErrorCodesOf(await RateAsync(deal.Creator, deal.Application, 5)));

        Assert.Contains("4 of 5", Assert.Single(await api.Host.MailsAsync(deal.Creator.Email, "marketplace-rating", 1)).TextBody);
        Assert.Contains("5 of 5", Assert.Single(await api.Host.MailsAsync(deal.Brand.Email, "marketplace-rating", 1)).TextBody);

        // Only the brands' ratings of the creator count: the creator's 5 of the brand does not.
        var rating = (await api.Host.AsAsync(deal.Brand, ProfileRating, new { id = profile })).Data.GetProperty("node").GetProperty("rating");
        Assert.Equal(4.0, rating.GetProperty("average").GetDouble());
        Assert.Equal(1, rating.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task a_creator_without_ratings_has_a_count_of_zero_and_no_average()
    {
        var deal = await api.Host.DealAsync(paidAt: DateTimeOffset.UtcNow);
        var profile = await api.Host.CreatorProfileAsync(deal);
        var rating = (await api.Host.AsAsync(deal.Creator, ProfileRating, new { id = profile })).Data.GetProperty("node").GetProperty("rating");
        Assert.Equal(JsonValueKind.Null, rating.GetProperty("average").ValueKind);
        Assert.Equal(0, rating.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task a_contract_is_rated_only_once_paid_and_only_by_its_parties()
    {
        var unpaid = await api.Host.DealAsync();
        Assert.Equal(["APPLICATION_STATE"], WorkspaceScenarios.ErrorCodesOf(await RateAsync(unpaid.Brand, unpaid.Application, 5)));

        var deal = await api.Host.DealAsync(paidAt: DateTimeOffset.UtcNow);
        var outsider = await api.Host.PersonAsync("Outsider");
        var refused = await RateAsync(outsider, deal.Application, 1);
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(refused));
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("application").ValueKind);

        var viewer = await api.Host.PersonAsync("Viewer");
        await api.Host.AddMemberAsync(deal.Brand, deal.BrandWorkspace, viewer, "VIEWER");
        Assert.Equal(["FORBIDDEN"], WorkspaceScenarios.ErrorCodesOf(await RateAsync(viewer, deal.Application, 1)));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(6, null)]
    [InlineData(3, 1001)]
    public async Task stars_are_1_to_5_and_a_comment_at_most_1000_characters(int stars, int? commentLength)
    {
        var deal = await api.Host.DealAsync(paidAt: DateTimeOffset.UtcNow);
        var payload = await RateAsync(deal.Brand, deal.Application, stars, commentLength is { } length ? new string('c', length) : null);
        Assert.Equal(["VALIDATION"], WorkspaceScenarios.ErrorCodesOf(payload));

        var fine = await RateAsync(deal.Brand, deal.Application, 5, new string('c', 1000));
        Assert.Empty(WorkspaceScenarios.ErrorCodesOf(fine));
    }

    [Fact]
    public async Task of_two_ratings_by_one_side_at_once_exactly_one_is_recorded()
    {
        for (var round = 0; round < 4; round++)
        {
            var deal = await api.Host.DealAsync(paidAt: DateTimeOffset.UtcNow);
            var editor = await api.Host.PersonAsync("Editor");
            await api.Host.AddMemberAsync(deal.Brand, deal.BrandWorkspace, editor, "EDITOR");

            var answers = await Task.WhenAll(RateAsync(deal.Brand, deal.Application, 5), RateAsync(editor, deal.Application, 2));
            var codes = answers.Select(WorkspaceScenarios.ErrorCodesOf).ToArray();
            Assert.Single(codes, c => c.Length == 0);
            Assert.Single(codes, c => c is ["ALREADY_RATED"] or ["VERSION_CONFLICT"]);

            await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
            var events = await session.Events.FetchStreamAsync(deal.Id);
            var rated = Assert.Single(events.Select(e => e.Data).OfType<ContractRated>());
            Assert.Equal(codes[0].Length == 0 ? 5 : 2, rated.Stars);
            Assert.Equal(rated.Stars, (await session.LoadAsync<CampaignApplication>(deal.Id))!.Contract!.BrandRating!.Stars);
        }
    }
}
