using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>The storefront catalogue: products' lifecycle, their rules, stock under concurrency, and the public storefront.</summary>
[Collection(ApiCollection.Name)]
public sealed class ProductTests(ApiFixture api)
{
    private const string Storefront = """
        query ($handle: String!, $first: Int, $after: String) { storefront(handle: $handle) { handle name products(first: $first, after: $after) {
          totalCount edges { cursor node { id title description delivery price { amount currency } variants { id name sku price { amount currency } inStock } media { url kind mime width height } } }
          pageInfo { hasNextPage endCursor } } } }
        """;

    private async Task<JsonElement> MutateAsync(Person person, string field, string inputType, object input) =>
        await api.Host.MutateAsync(person, field, inputType, input, ProductScenarios.Selection);

    [Fact]
    public async Task an_editor_creates_updates_publishes_and_archives_a_product()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var photo = await api.Host.AddMediaAsync(workspace);

        var created = await MutateAsync(owner, "createProduct", "CreateProductInput", ProductScenarios.PhysicalInput(workspace, "Mug", 3, [photo]));
        Assert.Equal(0, created.GetProperty("errors").GetArrayLength());
        var product = created.GetProperty("product");
        Assert.Equal("DRAFT", product.GetProperty("status").GetString());
        Assert.Equal(1999, product.GetProperty("price").GetProperty("amount").GetInt64());
        Assert.Equal("EUR", product.GetProperty("price").GetProperty("currency").GetString());
        Assert.Equal(photo, product.GetProperty("media")[0].GetProperty("id").GetString());
        var variant = product.GetProperty("variants")[0];
        Assert.Equal(3, variant.GetProperty("inventory").GetInt32());
        var id = product.GetProperty("id").GetString()!;

        // The kept variant keeps its stock whatever the input says; a new one opens with its own.
        var updated = await MutateAsync(owner, "updateProduct", "UpdateProductInput", new
        {
            productId = id, title = "  Big mug ", description = "Bigger.", price = 2500, currency = "usd", delivery = "PHYSICAL",
            variants = new object[] { new { variantId = variant.GetProperty("id").GetString(), name = "Standard", sku = "MUG-1", inventory = 99 }, new { name = "Large", priceOverride = 2900L, inventory = 0 } },
        });
        Assert.Equal(0, updated.GetProperty("errors").GetArrayLength());
        product = updated.GetProperty("product");
        Assert.Equal("Big mug", product.GetProperty("title").GetString());
        Assert.Equal("USD", product.GetProperty("price").GetProperty("currency").GetString());
        Assert.Empty(product.GetProperty("media").EnumerateArray());
        Assert.Equal(3, product.GetProperty("variants")[0].GetProperty("inventory").GetInt32());
        Assert.Equal(2900, product.GetProperty("variants")[1].GetProperty("price").GetProperty("amount").GetInt64());
        Assert.False(product.GetProperty("variants")[1].GetProperty("inStock").GetBoolean());

        var published = await MutateAsync(owner, "publishProduct", "PublishProductInput", new { productId = id });
        Assert.Equal("PUBLISHED", published.GetProperty("product").GetProperty("status").GetString());
        var again = await MutateAsync(owner, "publishProduct", "PublishProductInput", new { productId = id });
        Assert.Equal(published.GetProperty("product").GetProperty("version").GetInt32(), again.GetProperty("product").GetProperty("version").GetInt32());
        var archived = await MutateAsync(owner, "archiveProduct", "ArchiveProductInput", new { productId = id });
        Assert.Equal("ARCHIVED", archived.GetProperty("product").GetProperty("status").GetString());

        var listed = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { products(status: ARCHIVED) { totalCount edges { node { id } } } } }", new { id = workspace });
        Assert.Equal(id, listed.Data.GetProperty("workspace").GetProperty("products").GetProperty("edges")[0].GetProperty("node").GetProperty("id").GetString());
        var drafts = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { products(status: DRAFT) { totalCount } } }", new { id = workspace });
        Assert.Equal(0, drafts.Data.GetProperty("workspace").GetProperty("products").GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task a_digital_product_has_a_library_file_and_no_stock()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var file = await api.Host.AddMediaAsync(workspace, "ebook.mp4", Nexus.Api.Platforms.MediaKind.Video);
        var created = await MutateAsync(owner, "createProduct", "CreateProductInput", new
        {
            workspaceId = workspace, title = "E-book", price = 500, currency = "JPY", delivery = "DIGITAL", digitalFileId = file, variants = new[] { new { name = "PDF" } },
        });
        Assert.Equal(0, created.GetProperty("errors").GetArrayLength());
        var variant = created.GetProperty("product").GetProperty("variants")[0];
        Assert.Equal(JsonValueKind.Null, variant.GetProperty("inventory").ValueKind);
        Assert.True(variant.GetProperty("inStock").GetBoolean());

        var adjusted = await MutateAsync(owner, "adjustInventory", "AdjustInventoryInput",
            new { productId = created.GetProperty("product").GetProperty("id").GetString(), variantId = variant.GetProperty("id").GetString(), delta = 1 });
        Assert.Equal(["NOT_INVENTORIED"], WorkspaceScenarios.ErrorCodesOf(adjusted));
    }

    [Fact]
    public async Task bad_input_gets_typed_errors_at_its_path()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var elsewhere = await api.Host.CreateWorkspaceAsync(owner, "Elsewhere");
        var foreign = await api.Host.AddMediaAsync(elsewhere);

        async Task<(string Code, string Path)[]> ErrorsAsync(object input)
        {
            var payload = await MutateAsync(owner, "createProduct", "CreateProductInput", input);
            return [.. payload.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("code").GetString()!,
                string.Join(".", e.GetProperty("path").EnumerateArray().Select(p => p.GetString()))))];
        }

        object With(string title = "Mug", long price = 100, string currency = "EUR", string delivery = "PHYSICAL", string[]? media = null, object[]? variants = null, string? file = null,
            string? description = null) =>
            new { workspaceId = workspace, title, description, mediaIds = media, price, currency, delivery, digitalFileId = file, variants = variants ?? [new { name = "A", inventory = 1 }] };

        Assert.Contains(("VALIDATION", "input.title"), await ErrorsAsync(With(title: "  ")));
        Assert.Contains(("VALIDATION", "input.title"), await ErrorsAsync(With(title: new string('x', ProductRules.MaxTitleLength + 1))));
        Assert.Contains(("VALIDATION", "input.description"), await ErrorsAsync(With(description: new string('x', ProductRules.MaxDescriptionLength + 1))));
        Assert.Contains(("VALIDATION", "input.price"), await ErrorsAsync(With(price: -1)));
        Assert.Contains(("VALIDATION", "input.price"), await ErrorsAsync(With(price: ProductRules.MaxAmount + 1)));
        Assert.Contains(("VALIDATION", "input.currency"), await ErrorsAsync(With(currency: "XYZ")));
        Assert.Contains(("VALIDATION", "input.variants"), await ErrorsAsync(With(variants: [])));
        Assert.Contains(("VALIDATION", "input.variants"), await ErrorsAsync(With(variants: [.. Enumerable.Range(0, ProductRules.MaxVariants + 1).Select(i => new { name = $"V{i}" })])));
        Assert.Contains(("VALIDATION", "input.variants"), await ErrorsAsync(With(variants: [new { name = "A", sku = "S" }, new { name = "B", sku = "s" }])));
        Assert.Contains(("VALIDATION", "input.variants.0.sku"), await ErrorsAsync(With(variants: [new { name = "A", sku = "has space" }])));
        Assert.Contains(("VALIDATION", "input.variants.0.inventory"), await ErrorsAsync(With(variants: [new { name = "A", inventory = -1 }])));
        Assert.Contains(("VALIDATION", "input.mediaIds"), await ErrorsAsync(With(media: [.. Enumerable.Range(0, ProductRules.MaxMedia + 1).Select(_ => foreign)])));
        Assert.Contains(("VALIDATION", "input.digitalFileId"), await ErrorsAsync(With(delivery: "DIGITAL", variants: [new { name = "PDF" }])));
        Assert.Equal([("MEDIA_NOT_FOUND", "input.mediaIds.0")], await ErrorsAsync(With(media: [foreign])));
        Assert.Equal([("MEDIA_NOT_FOUND", "input.mediaIds.0")], await ErrorsAsync(With(media: ["not-an-id"])));

        var product = await api.Host.CreateProductAsync(owner, workspace);
        var update = await MutateAsync(owner, "updateProduct", "UpdateProductInput", new
        {
            productId = product, title = "Mug", price = 1, currency = "EUR", delivery = "PHYSICAL",
            variants = new[] { new { variantId = Nexus.Api.GraphQL.Relay.GlobalId.Encode(ProductRules.VariantTypeName, Guid.NewGuid()), name = "X" } },
        });
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(update));
        var adjust = await MutateAsync(owner, "adjustInventory", "AdjustInventoryInput", new { productId = product, variantId = "nope", delta = 1 });
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(adjust));
        var zero = await MutateAsync(owner, "adjustInventory", "AdjustInventoryInput", new { productId = product, variantId = "nope", delta = 0 });
        Assert.Equal(["VALIDATION"], WorkspaceScenarios.ErrorCodesOf(zero));
    }

    [Fact]
    public async Task a_viewer_and_an_outsider_cannot_change_products()
    {
        Person owner = await api.Host.PersonAsync("Owner"), viewer = await api.Host.PersonAsync("Viewer"), outsider = await api.Host.PersonAsync("Outsider");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var product = await api.Host.CreateProductAsync(owner, workspace);

        foreach (var person in new[] { viewer, outsider })
        {
            var response = await api.Host.AsAsync(person, "mutation ($input: PublishProductInput!) { publishProduct(input: $input) { errors { __typename } } }", new { input = new { productId = product } });
            Assert.Contains("FORBIDDEN", response.ErrorCodes);
        }

        var unknown = await api.Host.AsAsync(owner, "mutation ($input: PublishProductInput!) { publishProduct(input: $input) { errors { __typename } } }",
            new { input = new { productId = Nexus.Api.GraphQL.Relay.GlobalId.Encode(Product.TypeName, Guid.NewGuid()) } });
        Assert.Contains("FORBIDDEN", unknown.ErrorCodes);
    }

    [Fact]
    public async Task concurrent_decrements_never_take_the_stock_below_zero()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var subject = await ProductScenarios.ProductAndVariantAsync(api.Host, owner, workspace);
        var (product, variant) = (subject.Split('|')[0], subject.Split('|')[1]);
        await MutateAsync(owner, "adjustInventory", "AdjustInventoryInput", new { productId = product, variantId = variant, delta = -2 });

        // Stock 3; eight editors each take one at once.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            MutateAsync(owner, "adjustInventory", "AdjustInventoryInput", new { productId = product, variantId = variant, delta = -1 })));
        var codes = results.Select(WorkspaceScenarios.ErrorCodesOf).ToArray();
        Assert.Equal(3, codes.Count(c => c.Length == 0));
        Assert.Equal(5, codes.Count(c => c is ["INSUFFICIENT_STOCK"]));

        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var stored = await session.LoadAsync<Product>(Ids.Of(product));
        Assert.Equal(0, stored!.Variants[0].Inventory);
        var events = await session.Events.FetchStreamAsync(stored.Id);
        Assert.Equal(3 + 1, events.Count(e => e.Data is ProductInventoryAdjusted));
        Assert.All(events.Select(e => e.Data).OfType<ProductInventoryAdjusted>(), e => Assert.True(e.Inventory >= 0));
    }

    [Fact]
    public async Task the_storefront_shows_anyone_only_the_workspaces_published_products()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var other = await api.Host.CreateWorkspaceAsync(owner, "Other");
        var photo = await api.Host.AddMediaAsync(workspace);
        var shown = await api.Host.PublishedProductAsync(owner, workspace, "Shown", 1, [photo]);
        var soldOut = await api.Host.PublishedProductAsync(owner, workspace, "Sold out", 0);
        await api.Host.CreateProductAsync(owner, workspace, "Draft");
        var archived = await api.Host.PublishedProductAsync(owner, workspace, "Archived");
        await MutateAsync(owner, "archiveProduct", "ArchiveProductInput", new { productId = archived });
        await api.Host.PublishedProductAsync(owner, other, "Other workspace's");
        var handle = await api.Host.StorefrontHandleAsync(owner, workspace);
        await api.Host.StorefrontHandleAsync(owner, other);

        // No token at all; the handle in any case.
        var response = await api.Host.PostGraphQLAsync(Storefront, new { handle = handle.ToUpperInvariant(), first = 10 });
        Assert.True(response.Status == 200 && response.Errors.Length == 0, response.Body.ToString());
        Assert.Equal(handle, response.Data.GetProperty("storefront").GetProperty("handle").GetString());
        Assert.Equal("Acme", response.Data.GetProperty("storefront").GetProperty("name").GetString());
        var storefront = response.Data.GetProperty("storefront").GetProperty("products");
        var nodes = storefront.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")).ToArray();
        Assert.Equal([soldOut, shown], nodes.Select(n => n.GetProperty("id").GetString()));
        Assert.Equal(2, storefront.GetProperty("totalCount").GetInt32());
        Assert.False(nodes[0].GetProperty("variants")[0].GetProperty("inStock").GetBoolean());
        Assert.True(nodes[1].GetProperty("variants")[0].GetProperty("inStock").GetBoolean());
        var media = nodes[1].GetProperty("media")[0];
        Assert.Contains("/media/", media.GetProperty("url").GetString());
        Assert.Contains("token=", media.GetProperty("url").GetString());
        Assert.Equal(200, (await api.Host.SendAsync(HttpMethod.Get, new Uri(media.GetProperty("url").GetString()!).PathAndQuery, accept: null)).Status);

        // Stock counts, drafts' and members' data are not in the type at all.
        var leak = await api.Host.PostGraphQLAsync("query ($h: String!) { storefront(handle: $h) { products { edges { node { variants { inventory } } } } } }", new { h = handle });
        Assert.Equal(400, leak.Status);
        var status = await api.Host.PostGraphQLAsync("query ($h: String!) { storefront(handle: $h) { products { edges { node { status } } } } }", new { h = handle });
        Assert.Equal(400, status.Status);
        var members = await api.Host.PostGraphQLAsync("query ($h: String!) { storefront(handle: $h) { members { edges { cursor } } } }", new { h = handle });
        Assert.Equal(400, members.Status);

        // An unknown handle and one that could not be a handle are both no storefront.
        foreach (var unknown in new[] { $"none-{Guid.NewGuid():N}", "nope!", "" })
        {
            Assert.Equal(JsonValueKind.Null, (await api.Host.QueryAsync(Storefront, new { handle = unknown, first = 10 })).GetProperty("storefront").ValueKind);
        }
    }

    [Fact]
    public async Task the_storefront_and_the_catalogue_page_on_a_stable_keyset()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var handle = await api.Host.StorefrontHandleAsync(owner, workspace);
        var published = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            published.Add(await api.Host.PublishedProductAsync(owner, workspace, $"P{i}"));
        }

        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = (await api.Host.QueryAsync(Storefront, new { handle, first = 2, after })).GetProperty("storefront").GetProperty("products");
            seen.AddRange(page.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("id").GetString()!));
            after = page.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean() ? page.GetProperty("pageInfo").GetProperty("endCursor").GetString() : null;
            if (seen.Count == 2)
            {
                // Added after the first page: newer, so before it, never repeated or skipping one.
                await api.Host.PublishedProductAsync(owner, workspace, "Late");
            }
        }
        while (after is not null);

        Assert.Equal(Enumerable.Reverse(published), seen);

        var members = await api.Host.AsAsync(owner, "query ($id: ID!, $after: String) { workspace(id: $id) { products(first: 4, after: $after) { edges { node { id } } pageInfo { endCursor } } } }",
            new { id = workspace, after = (string?)null });
        var cursor = members.Data.GetProperty("workspace").GetProperty("products").GetProperty("pageInfo").GetProperty("endCursor").GetString();
        var foreign = await api.Host.PostGraphQLAsync(Storefront, new { handle, first = 2, after = cursor });
        Assert.Contains("BAD_REQUEST", foreign.ErrorCodes);
    }
}
