using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Tests.Features.Media.Storage;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media.Serving;

/// <summary>The whole API with <c>Nexus:Media:Storage=S3</c>, pointed at an s3rver of its own.</summary>
public sealed class S3ApiFixture : ApiFixture, IAsyncLifetime
{
    public S3rver S3 { get; private set; } = null!;

    protected override string Purpose => "s3media";

    protected override IDictionary<string, string?> Settings => S3.Settings;

    public new async Task InitializeAsync()
    {
        S3 = await S3rver.StartAsync();
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await S3.DisposeAsync();
    }
}

public sealed class S3MediaContentTests(S3ApiFixture fixture) : IClassFixture<S3ApiFixture>
{
    [Fact]
    public async Task with_s3_storage_an_item_is_stored_in_the_bucket_and_served_by_any_node()
    {
        var host = fixture.Host;
        Assert.IsType<S3MediaStore>(host.Services.GetRequiredService<IMediaStore>());
        var item = await host.StoredItemAsync(bytes: 300_000);
        var url = host.UrlFor(item.Id);

        using var whole = await host.FetchAsync(url);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(item.Bytes, await whole.Content.ReadAsByteArrayAsync());
        Assert.True(File.Exists(Path.Combine(fixture.S3.DataDirectory, fixture.S3.Bucket, $"{item.WorkspaceId:N}", $"{item.Id:N}.jpg._S3rver_object")));
        Assert.False(Directory.Exists(Path.Combine(fixture.MediaRoot, $"{item.WorkspaceId:N}")));

        // The token was signed by this node; another node (same database, same bucket) serves it too.
        await using var other = await fixture.StartAnotherHostAsync();
        using var part = await other.FetchAsync(url, "bytes=1000-1999");
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(item.Bytes[1_000..2_000], await part.Content.ReadAsByteArrayAsync());
    }
}
