using System.Collections.Concurrent;
using System.Diagnostics;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;
using Wolverine;
using Xunit.Abstractions;

namespace Nexus.Api.Tests.Features.Posts.Publishing;

public sealed class TransactionCountFixture : ApiFixture
{
    protected override string Purpose => "xacts";
}

/// <summary>
/// What publishing costs PostgreSQL: committed transactions (<c>pg_stat_database.xact_commit</c>) per schedulePost
/// handler and per published post, the idle background (pollers, daemon) measured and taken off.
/// </summary>
public sealed class TransactionCountTests(TransactionCountFixture api, ITestOutputHelper output) : IClassFixture<TransactionCountFixture>
{
    private const int Posts = 20;

    [Fact]
    public async Task scheduling_and_publishing_a_post_take_few_transactions()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var run = Guid.NewGuid().ToString("N");
        var ids = new List<Guid>();
        for (var i = 0; i < Posts; i++)
        {
            GlobalId.TryParse(await api.Host.DraftAsync(owner, workspace, $"xacts {run} #{i}", connection), PostType.TypeName, out var id);
            ids.Add(id);
        }

        GlobalId.TryParse(owner.UserId, "User", out var userId);
        var idle = await IdleRateAsync();
        var statements = new ConcurrentQueue<string>();
        using var listener = Listen(statements);

        var due = DateTimeOffset.UtcNow.AddSeconds(30);
        var bus = api.Host.Services.GetRequiredService<IMessageBus>();
        var (scheduling, _) = await CountAsync(idle, async () =>
        {
            foreach (var id in ids)
            {
                var outcome = await bus.InvokeAsync<Outcome<Guid>>(new SchedulePost(id, userId, due, null, null, null));
                Assert.True(outcome.Succeeded, string.Join(", ", outcome.Errors.Select(e => e.Message)));
            }
        });
        output.WriteLine($"schedulePost handler: {scheduling / Posts:F2} transactions each");
        Report(statements);

        Assert.True(due > DateTimeOffset.UtcNow, "scheduling took longer than the time left before the posts were due");
        await Task.Delay(due - DateTimeOffset.UtcNow);
        var store = api.Host.Services.GetRequiredService<IDocumentStore>();
        var (publishing, elapsed) = await CountAsync(idle, async () =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                await using var session = store.QuerySession();
                var posts = await session.LoadManyAsync<Post>(ids);
                if (posts.All(p => p.Status == PostStatus.Published))
                {
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, "not all published in time");
                await Task.Delay(100);
            }
        });
        output.WriteLine($"publishing: {publishing / Posts:F2} transactions per published post ({elapsed.TotalSeconds:F1} s, idle {idle:F1}/s)");
        Report(statements);
    }

    private void Report(ConcurrentQueue<string> statements)
    {
        var all = new List<string>();
        while (statements.TryDequeue(out var s))
        {
            all.Add(s);
        }

        foreach (var group in all.GroupBy(s => s).OrderByDescending(g => g.Count()).Take(40))
        {
            output.WriteLine($"{group.Count(),5} {group.Key}");
        }
    }

    private static ActivityListener Listen(ConcurrentQueue<string> statements)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                var text = activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement");
                statements.Enqueue(Shorten(text as string ?? activity.DisplayName));
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static string Shorten(string sql)
    {
        var one = string.Join(' ', sql.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return one.Length > 600 ? one[..600] : one;
    }

    private async Task<double> IdleRateAsync()
    {
        var watch = Stopwatch.StartNew();
        var before = await CommitsAsync();
        await Task.Delay(TimeSpan.FromSeconds(12));
        return (await CommitsAsync() - before - 1) / watch.Elapsed.TotalSeconds;
    }

    private async Task<(double Transactions, TimeSpan Elapsed)> CountAsync(double idle, Func<Task> work)
    {
        var watch = Stopwatch.StartNew();
        var before = await CommitsAsync();
        await work();
        // A backend reports its counts when it has been idle a while (at most 10 s late): wait for every report.
        await Task.Delay(TimeSpan.FromSeconds(11));
        var after = await CommitsAsync();
        return (after - before - 1 - (idle * watch.Elapsed.TotalSeconds), watch.Elapsed);
    }

    private async Task<long> CommitsAsync()
    {
        // The statistics are per backend until it reports them: a fresh snapshot of what every backend has reported.
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using (var clear = new NpgsqlCommand("select pg_stat_clear_snapshot()", connection))
        {
            await clear.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand("select xact_commit from pg_stat_database where datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
