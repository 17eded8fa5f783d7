using GraphQL.Types;
using GraphQL.Types.Relay;
using Marten;
using Marten.Linq.MatchesSql;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;

namespace Nexus.Api.Features.Billing;

/// <summary>
/// An invoice of the workspace's subscription as Stripe's webhooks last described it (id = Stripe's <c>in_…</c>).
/// Amounts in the currency's minor units; nothing about the card that paid it.
/// </summary>
public sealed record BillingInvoice(
    string Id, Guid WorkspaceId, string? Number, string Status, string Currency, long Total, long AmountDue, long AmountPaid,
    DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd, string? HostedInvoiceUrl, DateTimeOffset CreatedAt, string SortKey)
{
    /// <summary>Newest first by (created, id): one sortable string, so the keyset is one comparison.</summary>
    public static string SortKeyOf(DateTimeOffset created, string id) =>
        created.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "|" + id;
}

public sealed class BillingInvoiceType : ObjectGraphType<BillingInvoice>
{
    public BillingInvoiceType()
    {
        Name = "BillingInvoice";
        Description = "An invoice of the workspace's subscription, as Stripe reported it.";
        Field<NonNullGraphType<StringGraphType>, string>("id").Description("Stripe's invoice id (in_…).").Resolve(c => c.Source.Id);
        Field<StringGraphType, string?>("number").Description("The invoice number printed on it.").Resolve(c => c.Source.Number);
        Field<NonNullGraphType<StringGraphType>, string>("status").Description("Stripe's status: draft, open, paid, uncollectible or void.").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<StringGraphType>, string>("currency").Description("ISO 4217 code, e.g. EUR.").Resolve(c => c.Source.Currency);
        Field<NonNullGraphType<LongGraphType>, long>("total").Description("The invoice's total, in the currency's minor units.").Resolve(c => c.Source.Total);
        Field<NonNullGraphType<LongGraphType>, long>("amountDue").Description("What is due, in minor units.").Resolve(c => c.Source.AmountDue);
        Field<NonNullGraphType<LongGraphType>, long>("amountPaid").Description("What was paid, in minor units.").Resolve(c => c.Source.AmountPaid);
        Field<DateTimeScalar, DateTimeOffset?>("periodStart").Resolve(c => c.Source.PeriodStart);
        Field<DateTimeScalar, DateTimeOffset?>("periodEnd").Resolve(c => c.Source.PeriodEnd);
        Field<StringGraphType, string?>("hostedInvoiceUrl").Description("Stripe's page for the invoice (view, pay, download).").Resolve(c => c.Source.HostedInvoiceUrl);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(c => c.Source.CreatedAt);
    }
}

/// <summary><c>Workspace.billingHistory</c>.</summary>
public sealed class WorkspaceBillingHistoryField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<ConnectionType<BillingInvoiceType, EdgeType<BillingInvoiceType>>>, object>("billingHistory")
            .Description("The subscription's invoices, newest first, as Stripe's webhooks reported them. Admins only.")
            .Paged()
            .RequireWorkspaceRole(Role.Admin, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .ResolveAsync(async ctx => await PageAsync(ctx.Source.Id, ctx.GetPageRequest(), ctx.RequestServices!.GetRequiredService<IQuerySession>(), ctx.CancellationToken));

    public static async Task<global::GraphQL.Types.Relay.DataObjects.Connection<BillingInvoice>> PageAsync(Guid workspaceId, PageRequest page, IQuerySession session, CancellationToken ct)
    {
        var query = session.Query<BillingInvoice>().Where(i => i.WorkspaceId == workspaceId);
        var total = page.CountTotal ? await query.CountAsync(ct) : (int?)null;
        if (page.After("billingHistory", 2) is [var ticks, var id])
        {
            var key = BillingInvoice.SortKeyOf(new DateTimeOffset(PageRequest.LongPart(ticks, 0, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero), id);
            query = query.Where(i => i.MatchesSql("d.sort_key < ?", key));
        }

        var rows = await query.OrderByDescending(i => i.SortKey).Take(page.First + 1).ToListAsync(ct);
        return Paging.ToConnection(rows, page, i => Paging.Key("billingHistory", i.CreatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), i.Id), total);
    }
}

/// <summary><c>BillingInterval</c>: MONTH, YEAR.</summary>
public sealed class BillingIntervalType : EnumerationGraphType<BillingInterval>
{
    public BillingIntervalType()
    {
        Name = "BillingInterval";
        Description = "How often a subscription is billed.";
    }

    protected override string ChangeEnumCase(string val) => val.ToUpperInvariant();
}
