using System.Net;
using System.Net.Http.Headers;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media.Serving;

/// <summary>A library item made the way uploads will make one: its bytes in the store, then its <see cref="MediaAdded"/>.</summary>
public sealed record StoredItem(Guid Id, Guid WorkspaceId, byte[] Bytes, Person Owner);

public static class MediaContentScenarios
{
    public static async Task<StoredItem> StoredItemAsync(this IAlbaHost host, string name = "Beach day.jpg", Person? owner = null, int bytes = 50_000)
    {
        owner ??= await host.PersonAsync();
        var workspace = await host.CreateWorkspaceAsync(owner);
        Assert.True(GlobalId.TryParse(workspace, "Workspace", out var workspaceId));
        Assert.True(GlobalId.TryParse(owner.UserId, "User", out var userId));
        var content = new byte[bytes];
        new Random(bytes).NextBytes(content);
        var id = Guid.NewGuid();
        var facts = new MediaFacts(MediaKind.Image, "image/jpeg", content.Length, 640, 480);
        var key = MediaAsset.KeyFor(workspaceId, id, facts);
        await host.Services.GetRequiredService<IMediaStore>().PutAsync(key, new MemoryStream(content), facts.Mime, CancellationToken.None);
        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.StartStream<MediaAsset>(id, new MediaAdded(id, workspaceId, name, facts, key, MediaOrigin.Upload, null, null, [], userId, DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
        return new StoredItem(id, workspaceId, content, owner);
    }

    public static string UrlFor(this IAlbaHost host, Guid id, TimeSpan? lifetime = null) =>
        host.Services.GetRequiredService<MediaUrls>().For(id, lifetime).PathAndQuery;

    public static async Task<HttpResponseMessage> FetchAsync(this IAlbaHost host, string url, string? range = null, HttpMethod? method = null)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, url);
        if (range is not null)
        {
            request.Headers.Range = RangeHeaderValue.Parse(range);
        }

        return await client.SendAsync(request);
    }
}

/// <summary>
/// <c>GET /media/{id}/content?token=…</c> on a real host: the item's bytes for a valid token (whole, in a range, or only
/// headers), one refusal for every token that is not this item's valid one, 404 once the item is deleted.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MediaContentTests(ApiFixture fixture)
{
    private IAlbaHost Host => fixture.Host;

    [Fact]
    public async Task a_signed_url_serves_the_items_bytes_with_their_type_and_no_sign_in()
    {
        var item = await Host.StoredItemAsync("Beach \"day\"/é.jpg");

        using var response = await Host.FetchAsync(Host.UrlFor(item.Id, TimeSpan.FromMinutes(10)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(item.Bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(item.Bytes.Length, response.Content.Headers.ContentLength);
        Assert.Equal(["bytes"], response.Headers.AcceptRanges);
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("inline", disposition.DispositionType);
        Assert.DoesNotMatch("[\"/]", disposition.FileName!.Trim('"'));
        Assert.Equal("Beach _day__é.jpg", disposition.FileNameStar);
        // Private, and no longer than the token lives.
        Assert.True(response.Headers.CacheControl!.Private);
        Assert.InRange(response.Headers.CacheControl.MaxAge!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task single_ranges_are_served_as_partial_content_and_one_past_the_end_is_refused()
    {
        var item = await Host.StoredItemAsync(bytes: 10_000);
        var url = Host.UrlFor(item.Id);

        using var middle = await Host.FetchAsync(url, "bytes=100-199");
        Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
        Assert.Equal(item.Bytes[100..200], await middle.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 100-199/10000", middle.Content.Headers.ContentRange!.ToString());
        Assert.Equal(100, middle.Content.Headers.ContentLength);

        using var open = await Host.FetchAsync(url, "bytes=9990-");
        Assert.Equal(item.Bytes[9_990..], await open.Content.ReadAsByteArrayAsync());
        using var suffix = await Host.FetchAsync(url, "bytes=-5");
        Assert.Equal(item.Bytes[^5..], await suffix.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 9995-9999/10000", suffix.Content.Headers.ContentRange!.ToString());
        using var first = await Host.FetchAsync(url, "bytes=0-0");
        Assert.Equal(item.Bytes[..1], await first.Content.ReadAsByteArrayAsync());

        using var past = await Host.FetchAsync(url, "bytes=10000-");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, past.StatusCode);
        Assert.Equal("bytes */10000", past.Content.Headers.ContentRange!.ToString());

        // Several ranges at once are answered with the whole file (a server may ignore Range).
        using var several = await Host.FetchAsync(url, "bytes=0-9,20-29");
        Assert.Equal(HttpStatusCode.OK, several.StatusCode);
        Assert.Equal(item.Bytes, await several.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task head_answers_the_headers_without_the_bytes()
    {
        var item = await Host.StoredItemAsync(bytes: 4_000);

        using var response = await Host.FetchAsync(Host.UrlFor(item.Id), method: HttpMethod.Head);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4_000, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task a_tampered_expired_missing_or_other_items_token_gets_one_refusal_that_says_nothing_of_the_item()
    {
        var item = await Host.StoredItemAsync();
        var other = await Host.StoredItemAsync(owner: item.Owner);
        var valid = Host.UrlFor(item.Id);
        var token = valid[(valid.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        var path = $"/media/{item.Id:N}/content";
        var expired = Host.UrlFor(item.Id, TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);

        string[] refused =
        [
            $"{path}?token={token[..^4]}AAAA",
            path,
            $"{path}?token=",
            $"{path}?token=not-a-token",
            $"/media/{other.Id:N}/content?token={token}",
            expired,
            // An item that does not exist is refused the same way: a bad link never tells whether an id is real.
            $"/media/{Guid.NewGuid():N}/content?token={token}",
            $"/media/not-a-guid/content?token={token}",
        ];
        var bodies = new HashSet<string>();
        foreach (var url in refused)
        {
            using var response = await Host.FetchAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{url}: {response.StatusCode}");
            Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.Single(bodies);
    }

    [Fact]
    public async Task a_deleted_item_is_gone_even_for_a_valid_token()
    {
        var item = await Host.StoredItemAsync();
        var url = Host.UrlFor(item.Id);
        Assert.True(GlobalId.TryParse(item.Owner.UserId, "User", out var userId));
        await using (var session = Host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.Append(item.Id, new MediaDeleted(item.Id, userId, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        using var response = await Host.FetchAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task an_unchanged_file_is_not_sent_again_to_a_client_that_has_it()
    {
        var item = await Host.StoredItemAsync(bytes: 2_000);
        var url = Host.UrlFor(item.Id);
        using var first = await Host.FetchAsync(url);

        using var client = Host.Server.CreateClient();
        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var response = await client.SendAsync(again);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task the_url_media_items_carry_is_under_the_public_url_and_opens_the_bytes()
    {
        var item = await Host.StoredItemAsync();

        // What MediaItem.url resolves to (the type joins the schema with the library's listing).
        var url = Host.Services.GetRequiredService<MediaUrls>().For(item.Id);

        Assert.Equal("http://localhost", url.GetLeftPart(UriPartial.Authority));
        Assert.Equal($"/media/{item.Id:N}/content", url.AbsolutePath);
        using var content = await Host.FetchAsync(url.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal(item.Bytes, await content.Content.ReadAsByteArrayAsync());
    }
}
