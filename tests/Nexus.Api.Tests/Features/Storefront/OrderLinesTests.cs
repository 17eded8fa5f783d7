using Nexus.Api.Features.Storefront;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>Orders placed before they had lines read as orders of one line; new ones keep the first line in the committed fields.</summary>
public sealed class OrderLinesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void an_order_placed_before_lines_existed_is_an_order_of_its_one_product()
    {
        var placed = new OrderPlaced(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), "Mug", "Blue", DeliveryKind.Physical,
            3, 1200, "EUR", null, At.AddMinutes(30), At);

        var order = Order.Create(placed);

        var line = Assert.Single(order.Lines);
        Assert.Equal((placed.ProductId, placed.VariantId, "Mug", "Blue", 3, 1200L), (line.ProductId, line.VariantId, line.ProductTitle, line.VariantName, line.Quantity, line.UnitAmount));
        Assert.Equal(3600, order.Total);
        Assert.True(order.HasPhysical);
    }

    [Fact]
    public void a_new_order_keeps_every_line_and_its_first_in_the_single_product_fields()
    {
        OrderLine[] lines =
        [
            new(Guid.CreateVersion7(), Guid.CreateVersion7(), "E-book", "PDF", DeliveryKind.Digital, 1, 900, Guid.CreateVersion7()),
            new(Guid.CreateVersion7(), Guid.CreateVersion7(), "Mug", "Blue", DeliveryKind.Physical, 2, 1200, null),
        ];

        var placed = OrderPlaced.Of(Guid.CreateVersion7(), Guid.CreateVersion7(), lines, "EUR", At.AddMinutes(30), At);
        var order = Order.Create(placed);

        Assert.Equal(("E-book", DeliveryKind.Digital, 1, 900L, lines[0].DigitalFileId), (placed.ProductTitle, placed.Delivery, placed.Quantity, placed.UnitAmount, placed.DigitalFileId));
        Assert.Equal(lines, order.Lines);
        Assert.Equal(900 + 2400, order.Total);
        Assert.Equal(3, order.Units);
        Assert.True(order.HasPhysical);
        Assert.Equal([0], order.Downloads().Select(d => d.Index));
    }
}
