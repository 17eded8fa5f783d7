using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Storefront;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Media;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>Orders written straight to their streams at chosen instants (paid, refunded, cancelled), for the seller's listing and sales.</summary>
public static class SalesScenarios
{
    public sealed record Sale(string ProductId, DateTimeOffset CreatedAt, int Quantity = 1, long UnitAmount = 1000, string Currency = "EUR",
        DateTimeOffset? PaidAt = null, long[]? Refunds = null, bool Cancelled = false, string Title = "Mug");

    /// <summary>Writes the order's events in one commit; its global id.</summary>
    public static async Task<string> OrderAsync(this IAlbaHost host, string workspaceId, Sale sale)
    {
        // As the clock stamps them in production: PostgreSQL's timestamptz takes UTC offsets only.
        sale = sale with { CreatedAt = sale.CreatedAt.ToUniversalTime(), PaidAt = sale.PaidAt?.ToUniversalTime() };
        var orderId = Guid.CreateVersion7(sale.CreatedAt);
        var events = new List<object>
        {
            new OrderPlaced(orderId, Ids.Of(workspaceId), Ids.Of(sale.ProductId), Guid.NewGuid(), sale.Title, "Standard", DeliveryKind.Physical,
                sale.Quantity, sale.UnitAmount, sale.Currency, null, sale.CreatedAt.AddMinutes(30), sale.CreatedAt),
        };
        if (sale.PaidAt is { } paidAt)
        {
            events.Add(new OrderPaid(orderId, $"pi_{orderId:N}", sale.Quantity * sale.UnitAmount, sale.Currency, "buyer@example.com", "Buyer", null, paidAt));
            foreach (var (amount, i) in (sale.Refunds ?? []).Select((a, i) => (a, i)))
            {
                events.Add(new OrderRefunded(orderId, $"re_{orderId:N}_{i}", amount, sale.Currency, null, paidAt.AddDays(40 + i)));
            }
        }
        else if (sale.Cancelled)
        {
            events.Add(new OrderCancelled(orderId, "checkout_expired", sale.CreatedAt.AddMinutes(31)));
        }

        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.StartStream<Order>(orderId, events.ToArray());
        await session.SaveChangesAsync();
        return GlobalId.Encode(Order.TypeName, orderId);
    }
}
