using Nexus.Api.Features.Analytics;
using Nexus.Api.Features.Analytics.PostMetrics;
using Nexus.Api.Features.Analytics.Syncing;
using Nexus.Api.Platforms.Sandbox;

namespace Nexus.Api.Tests.Features.Analytics.Sync;

/// <summary>The pure parts: the schedule, the engagement definition, a post's sum, the sandbox's made-up figures.</summary>
public sealed class SyncArithmeticTests
{
    private static readonly DateTimeOffset Published = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0.5, 0, 1.0)] // before the first step: it is still the first
    [InlineData(1.0, 1, 6.0)] // exactly at a step: that step is done
    [InlineData(30.0, 3, 72.0)] // late: +6 h and +24 h are skipped, not replayed
    [InlineData(24.0 * 7, 5, 24.0 * 30)]
    public void the_next_step_is_the_first_still_ahead(double hoursAfter, int step, double nextHours)
    {
        var (done, next) = SyncSchedule.After(Published, Published + TimeSpan.FromHours(hoursAfter));
        Assert.Equal((step, Published + TimeSpan.FromHours(nextHours)), (done, next));
    }

    [Fact]
    public void after_thirty_days_the_schedule_is_over() =>
        Assert.Equal((6, (DateTimeOffset?)null), SyncSchedule.After(Published, Published + TimeSpan.FromDays(30)));

    [Fact]
    public void engagements_add_what_is_given_and_are_null_when_nothing_is()
    {
        Assert.Equal(12, Engagement.Engagements(10, null, 2, null));
        Assert.Null(Engagement.Engagements(null, null, null, null));
        Assert.Equal(0, Engagement.Engagements(0, null, null, null));
    }

    [Fact]
    public void the_rate_divides_by_impressions_else_by_reach_and_never_by_nothing()
    {
        Assert.Equal(0.1, Engagement.Rate(10, 100, 50));
        Assert.Equal(0.2, Engagement.Rate(10, null, 50));
        Assert.Null(Engagement.Rate(10, 0, 50)); // impressions given as 0: reach does not stand in for them
        Assert.Null(Engagement.Rate(10, null, null));
        Assert.Null(Engagement.Rate(null, 100, 50));
    }

    [Fact]
    public void a_posts_sum_keeps_nulls_where_every_target_has_none_and_recomputes_the_rate_from_the_sums()
    {
        var at = Published;
        var x = new MetricFigures(at, Impressions: 1000, Reach: null, Views: null, Likes: 10, Comments: 0, Shares: 10, Saves: null, Clicks: 5,
            VideoViews: null, WatchTimeSeconds: null, AverageViewSeconds: null);
        var instagram = new MetricFigures(at.AddMinutes(1), Impressions: null, Reach: 100, Views: 40, Likes: 30, Comments: 0, Shares: null, Saves: 0, Clicks: null,
            VideoViews: 40, WatchTimeSeconds: 400, AverageViewSeconds: 10);
        var sum = MetricFigures.Sum([x, instagram])!;
        Assert.Equal((1000L, 100L, 40L, 40L, 10L, 0L, 5L), (sum.Impressions!.Value, sum.Reach!.Value, sum.Views!.Value, sum.Likes!.Value, sum.Shares!.Value, sum.Saves!.Value, sum.Clicks!.Value));
        // (20 + 30) ÷ (1000 impressions + 100 reach), not the average of 0.02 and 0.3.
        Assert.Equal(50.0 / 1100, sum.EngagementRate!.Value, 12);
        Assert.Equal(10, sum.AverageViewSeconds);
        Assert.Equal(at.AddMinutes(1), sum.MeasuredAt);
        Assert.Null(MetricFigures.Sum([]));
    }

    [Fact]
    public void sandbox_figures_are_seeded_by_the_post_grow_with_time_and_stay_consistent()
    {
        var post = new SandboxPost("sbx-post-0197a1b2c3d4", "sbx-user-x", "hello https://example.com", [], null, Published, Published);
        var video = post with { Id = "sbx-post-video", Text = "a clip", Media = ["https://cdn.example.com/clip.MP4?x=1"] };
        Assert.Equal(SandboxFigures.Post(post, Published.AddHours(6)), SandboxFigures.Post(post, Published.AddHours(6)));
        Assert.NotEqual(SandboxFigures.Post(post, Published.AddDays(3)).Impressions, SandboxFigures.Post(video, Published.AddDays(3)).Impressions);

        SandboxPostFigures? previous = null;
        foreach (var hours in new[] { 0.0, 1, 6, 24, 72, 168, 720 })
        {
            var figures = SandboxFigures.Post(post, Published.AddHours(hours));
            Assert.True(figures.Impressions >= figures.Reach && figures.Reach >= figures.Likes + figures.Comments + figures.Shares + figures.Saves, figures.ToString());
            Assert.NotNull(figures.Clicks); // the text has a link
            Assert.Null(figures.Views); // not a video
            if (previous is not null)
            {
                Assert.True(figures.Impressions >= previous.Impressions && figures.Likes >= previous.Likes, $"{previous} then {figures}");
            }

            previous = figures;
        }

        Assert.Equal(0, SandboxFigures.Post(post, Published).Impressions);
        Assert.True(SandboxFigures.Post(post, Published.AddDays(30)).Impressions > 10 * SandboxFigures.Post(post, Published.AddHours(1)).Impressions);
        var clip = SandboxFigures.Post(video, Published.AddDays(1));
        Assert.Null(clip.Clicks);
        Assert.True(clip.Views > 0 && clip.VideoViews <= clip.Views && clip.AverageViewSeconds > 0);
        Assert.Equal(Math.Round(clip.Views!.Value * clip.AverageViewSeconds!.Value, 1), clip.WatchTimeSeconds!.Value);
    }

    [Fact]
    public void sandbox_accounts_gain_followers_from_their_grants_creation_and_pages_follow_no_one()
    {
        var grant = Guid.CreateVersion7(Published);
        var person = $"sbx-user-{grant:N}";
        var (start, following) = SandboxFigures.Account(person, Published);
        var (later, _) = SandboxFigures.Account(person, Published.AddDays(10));
        Assert.True(later >= start + 10, $"{start} then {later}");
        Assert.NotNull(following);
        Assert.Null(SandboxFigures.Account($"sbx-page-{grant:N}-1", Published).Following);
    }
}
