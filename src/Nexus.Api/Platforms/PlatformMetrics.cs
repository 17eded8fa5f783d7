namespace Nexus.Api.Platforms;

/// <summary>
/// One published post's figures as its platform reported them at one moment. A figure the platform does not give is
/// null, never 0: an Instagram post has no clicks, an X post no reach, and a sum must not pretend otherwise.
/// </summary>
/// <param name="Impressions">Times the post was shown (Instagram and Facebook now call these "views").</param>
/// <param name="Reach">Distinct accounts that saw it.</param>
/// <param name="Views">Plays or views of the post as the platform counts them (video platforms).</param>
/// <param name="Likes">Likes, reactions, favourites.</param>
/// <param name="Comments">Comments and replies.</param>
/// <param name="Shares">Shares, reposts, retweets and quotes.</param>
/// <param name="Saves">Saves and bookmarks.</param>
/// <param name="Clicks">Link and post clicks.</param>
/// <param name="VideoViews">Video views where the platform counts them apart from <paramref name="Views"/>.</param>
/// <param name="WatchTimeSeconds">Total time watched.</param>
/// <param name="AverageViewSeconds">Average time a view lasted.</param>
public sealed record PostMetricsReading(
    long? Impressions = null,
    long? Reach = null,
    long? Views = null,
    long? Likes = null,
    long? Comments = null,
    long? Shares = null,
    long? Saves = null,
    long? Clicks = null,
    long? VideoViews = null,
    double? WatchTimeSeconds = null,
    double? AverageViewSeconds = null);

/// <summary>An account's audience at one moment; null where the platform does not give the figure.</summary>
public sealed record AudienceReading(long? Followers, long? Following = null, long? Posts = null);

/// <summary>A published post to read: the platform's id for it and when it was published (some APIs ask for a date range).</summary>
public sealed record PublishedPostRef(string ExternalId, DateTimeOffset PublishedAt);

/// <summary>
/// Reads a platform's metrics for posts Nexus published and for the connected account's audience. Each platform maps
/// its own response onto <see cref="PostMetricsReading"/> in its folder, and nowhere else. Failures are
/// <see cref="PlatformException"/>s classified by the platform's error map, so a rate limit carries its reset.
/// </summary>
public interface IPlatformMetrics
{
    PlatformId Platform { get; }

    /// <summary>How many posts one <see cref="ReadPostsAsync"/> call may carry (the platform's batch size; 1 when it reads one post per request).</summary>
    int BatchSize { get; }

    /// <summary>
    /// The figures of several posts of one account. A post the platform no longer knows (deleted) is absent from the
    /// answer rather than an error, so one deleted post does not fail its batch.
    /// </summary>
    Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadPostsAsync(PlatformAccount account, string accessToken, IReadOnlyList<PublishedPostRef> posts, CancellationToken cancellationToken);

    /// <summary>The account's followers (and following and post counts where offered).</summary>
    Task<AudienceReading> ReadAudienceAsync(PlatformAccount account, string accessToken, CancellationToken cancellationToken);
}

/// <summary>For platforms whose metrics endpoint reads one post per request (Meta's Graph API).</summary>
public static class OnePostPerRequest
{
    /// <summary>
    /// Reads the posts one after another; <paramref name="read"/> answers null for a post the platform no longer knows,
    /// which is left out of the answer.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadAsync(IReadOnlyList<PublishedPostRef> posts, Func<string, Task<PostMetricsReading?>> read)
    {
        var readings = new Dictionary<string, PostMetricsReading>(StringComparer.Ordinal);
        foreach (var post in posts)
        {
            if (await read(post.ExternalId) is { } reading)
            {
                readings[post.ExternalId] = reading;
            }
        }

        return readings;
    }
}
