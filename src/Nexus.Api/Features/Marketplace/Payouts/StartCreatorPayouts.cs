using FluentValidation;
using GraphQL.Types;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using Stripe;
using Wolverine;

namespace Nexus.Api.Features.Marketplace.Payouts;

/// <summary>
/// A creator sets up where they are paid: Nexus creates their Stripe Connect (Express) account once, keyed by the
/// profile so a retried call finds the same one, and answers Stripe's onboarding page. Stripe's <c>account.updated</c>
/// webhook says when payouts are enabled.
/// </summary>
public sealed record StartCreatorPayouts(Guid UserId, string? Country)
{
    public sealed class Validator : AbstractValidator<StartCreatorPayouts>
    {
        public Validator() => RuleFor(c => c.Country).Must(c => c is null || (c.Length == 2 && c.All(char.IsAsciiLetter))).WithMessage("An ISO 3166-1 alpha-2 code, like FR or US.");
    }
}

public static class StartCreatorPayoutsHandler
{
    public static async Task<Outcome<Uri, CreatorProfileRequiredError, BillingNotConfiguredError, PaymentProviderError>> HandleAsync(StartCreatorPayouts command, IDocumentSession session,
        StripeGateway stripe, IOptions<MarketplaceOptions> options, IOptions<NexusUrls> urls, ILogger<StartCreatorPayouts> logger, DateTimeOffset now, CancellationToken ct)
    {
        if (await session.Query<CreatorProfile>().FirstOrDefaultAsync(p => p.UserId == command.UserId, ct) is not { } profile)
        {
            return new CreatorProfileRequiredError();
        }

        if (stripe.Client is not { } client)
        {
            return new BillingNotConfiguredError();
        }

        try
        {
            var account = profile.StripeAccountId;
            if (account is null)
            {
                var user = await session.LoadAsync<Accounts.User>(command.UserId, ct);
                var created = await new AccountService(client).CreateAsync(new AccountCreateOptions
                {
                    Type = "express",
                    Country = profile.Country ?? command.Country?.ToUpperInvariant(),
                    Email = user?.Email,
                    Capabilities = new AccountCapabilitiesOptions { Transfers = new AccountCapabilitiesTransfersOptions { Requested = true } },
                    Metadata = new Dictionary<string, string> { ["profileId"] = profile.Id.ToString() },
                }, new RequestOptions { IdempotencyKey = $"nexus-creator-{profile.Id:N}-account" }, ct);
                account = created.Id;
                (await session.Events.FetchForWriting<CreatorProfile>(profile.Id, ct)).AppendOne(new CreatorPayoutAccountOpened(profile.Id, profile.WorkspaceId, account, now));
            }

            var back = options.Value.PayoutsReturnUrl ?? $"{urls.Value.FrontendUrl.TrimEnd('/')}/marketplace/payouts";
            // An account link is single-use and short-lived: a new one per call, never replayed.
            var link = await new AccountLinkService(client).CreateAsync(new AccountLinkCreateOptions
            {
                Account = account,
                Type = "account_onboarding",
                RefreshUrl = back + "?refresh=1",
                ReturnUrl = back,
            }, new RequestOptions { IdempotencyKey = $"nexus-creator-{profile.Id:N}-link-{Guid.NewGuid():N}" }, ct);
            return new Uri(link.Url);
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Stripe refused a creator's payout set-up ({Status} {Code})", (int)ex.HttpStatusCode, ex.StripeError?.Code);
            return new PaymentProviderError(ex.StripeError?.Code ?? ((int)ex.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

public static class CreatorPayouts
{
    /// <summary>
    /// Records whether Stripe now pays out to the creator's account (read from Stripe, not from the event); once it does,
    /// every contract of theirs that was waiting for it is released.
    /// </summary>
    public static async Task<OutgoingMessages> RecordAccountAsync(CreatorProfile profile, IDocumentSession session, IStripeClient client, DateTimeOffset now, CancellationToken ct)
    {
        var account = await new AccountService(client).GetAsync(profile.StripeAccountId, null, null, ct);
        if (account.PayoutsEnabled == profile.PayoutsEnabled)
        {
            return [];
        }

        (await session.Events.FetchForWriting<CreatorProfile>(profile.Id, ct)).AppendOne(new CreatorPayoutsChanged(profile.Id, profile.WorkspaceId, account.PayoutsEnabled, now));
        if (!account.PayoutsEnabled)
        {
            return [];
        }

        var waiting = await session.Query<CampaignApplication>()
            .Where(a => a.CreatorUserId == profile.UserId && a.Status == ApplicationStatus.Contracted)
            .Select(a => a.Id)
            .ToListAsync(ct);
        return [.. waiting.Select(id => new ReleaseContractPayment(id))];
    }
}

public sealed record StartCreatorPayoutsInput(
    [property: System.ComponentModel.Description("The country of your Stripe account (ISO 3166-1 alpha-2) when your profile names none; Stripe asks otherwise.")] string? Country = null);

public sealed class StartCreatorPayoutsMutation() : Mutation<StartCreatorPayoutsInput, StartCreatorPayouts, Uri>("startCreatorPayouts",
    "Sets up how you are paid as a creator: answers Stripe's onboarding page for your Connect account (created on the first call). Payouts start once Stripe enables them.",
    Access.SignedIn.FirstPartyOnly(),
    Payload<Uri>.Of<StringGraphType>("url", "Stripe's onboarding page: send the browser there.", (_, url) => Task.FromResult<object?>(url.AbsoluteUri)),
    (input, caller) => new(caller.UserId, string.IsNullOrWhiteSpace(input.Country) ? null : input.Country.Trim()));
