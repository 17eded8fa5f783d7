using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;

namespace Nexus.Api.Features.Storefront.AdjustingInventory;

public sealed record AdjustInventory(Guid ProductId, Guid ByUserId, Guid VariantId, int Delta)
{
    public sealed class Validator : AbstractValidator<AdjustInventory>
    {
        public Validator() => RuleFor(c => c.Delta)
            .NotEqual(0).WithMessage("A delta of 0 changes nothing.")
            .InclusiveBetween(-ProductRules.MaxInventory, ProductRules.MaxInventory).WithMessage($"A delta is -{ProductRules.MaxInventory} to {ProductRules.MaxInventory}.");
    }
}

public static class AdjustInventoryHandler
{
    /// <summary>
    /// Adds <c>delta</c> to a physical variant's stock, refusing to go below zero. The decision is made on the stream
    /// fetched for writing, and the event is appended at that version: a concurrent adjustment that commits first makes
    /// this append fail, and the command runs again on the new stock (Persistence's conflict retry), so concurrent
    /// decrements can never together take the stock below zero.
    /// </summary>
    public static async Task<Outcome<Guid, ProductNotFoundError, VariantNotFoundError, NotInventoriedError, InsufficientStockError, StockTooHighError, RoleRequiredError>> HandleAsync(
        AdjustInventory command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Product>(command.ProductId, ct);
        if (stream.Aggregate is not { } product)
        {
            return new ProductNotFoundError();
        }

        if (await ProductChecks.RefusalAsync(session, product.WorkspaceId, command.ByUserId, ct) is { } refusal)
        {
            return refusal;
        }

        if (product.Variants.FirstOrDefault(v => v.Id == command.VariantId) is not { } variant)
        {
            return new VariantNotFoundError(["input", "variantId"]);
        }

        if (variant.Inventory is not { } stock)
        {
            return new NotInventoriedError();
        }

        var after = (long)stock + command.Delta;
        if (after < 0)
        {
            return new InsufficientStockError(stock);
        }

        if (after > ProductRules.MaxStock)
        {
            return new StockTooHighError();
        }

        stream.AppendOne(new ProductInventoryAdjusted(product.Id, variant.Id, command.Delta, (int)after, command.ByUserId, now));
        return product.Id;
    }
}

public sealed record AdjustInventoryInput(
    [property: Id] string ProductId,
    [property: Id] string VariantId,
    [property: DescribedAs("Added to the stock (negative to take away), -{0} to {0}, not 0; the stock never goes below zero (INSUFFICIENT_STOCK).", ProductRules.MaxInventory)] int Delta)
    : IProductInput;

public sealed class AdjustInventoryMutation() : Mutation<AdjustInventoryInput, AdjustInventory, Guid>("adjustInventory",
    "Changes a physical product variant's stock by a delta (received goods, a count, damage); it never goes below zero.",
    ProductAccess.Needs(Role.Editor).FirstPartyOnly(), ProductPayloads.Product,
    (input, caller) => new(caller.ProductId(), caller.UserId, ProductRules.IdOf(input.VariantId, ProductRules.VariantTypeName), input.Delta));
