using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Posts;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms.Sandbox;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts;

/// <summary>A sandbox that fails a fifth of publishes and rate-limits a tenth, answering after 100 ms; every wait is short, the open circuit's too.</summary>
public sealed class FaultyPlatformFixture : ApiFixture
{
    protected override string Purpose => "faults";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Platforms:Sandbox:TransientFailureRate"] = "0.2",
        ["Nexus:Platforms:Sandbox:RateLimitRate"] = "0.1",
        ["Nexus:Platforms:Sandbox:RateLimitReset"] = "00:00:01",
        ["Nexus:Platforms:Sandbox:CircuitBreakDuration"] = "00:00:02",
        ["Nexus:Platforms:Sandbox:Latency"] = "00:00:00.100",
        ["Nexus:Publishing:RetryBaseDelay"] = "00:00:00.200",
        ["Nexus:Publishing:MaxRetryDelay"] = "00:00:01",
        ["Nexus:Publishing:MaxAttempts"] = "12",
    };
}

/// <summary>The benchmark's fault run at a small size: failures, rate limits and a restart, and still every target exactly once.</summary>
public sealed class FaultRunTests(FaultyPlatformFixture api) : IClassFixture<FaultyPlatformFixture>
{
    [Fact]
    public async Task every_target_is_published_exactly_once_through_failures_rate_limits_and_a_restart()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connections = new[] { await api.Host.ConnectSandboxAsync(owner, workspace), await api.Host.ConnectSandboxAsync(owner, workspace) };
        var run = Guid.NewGuid().ToString("N");
        var drafts = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            drafts.Add(await api.Host.DraftAsync(owner, workspace, $"fault run {run} #{i}", connections));
        }

        // Due once every post is drafted, so that a slow machine still schedules them all before their time.
        var due = DateTimeOffset.UtcNow.AddSeconds(4);
        var posts = new List<Guid>();
        foreach (var (post, i) in drafts.Select((p, i) => (p, i)))
        {
            var scheduled = await api.Host.ScheduleAsync(owner, post, due);
            Assert.True(scheduled.GetProperty("errors").GetArrayLength() == 0, $"post {i}: {scheduled.GetProperty("errors")}");
            GlobalId.TryParse(post, PostType.TypeName, out var id);
            posts.Add(id);
        }

        // Restart while the first attempts and retries are under way.
        await Task.Delay(due - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300));
        var host = await api.RestartAsync();

        var store = host.Services.GetRequiredService<IDocumentStore>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        IReadOnlyList<Post> final;
        while (true)
        {
            await using var session = store.QuerySession();
            final = await session.LoadManyAsync<Post>(posts);
            if (final.All(p => p.Status is not (PostStatus.Scheduled or PostStatus.Publishing)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        var unpublished = final.SelectMany(p => p.Targets).Where(t => t.Status != TargetStatus.Published).ToList();
        var dead = new List<string>();
        if (unpublished.Count > 0)
        {
            await using var connection = new Npgsql.NpgsqlConnection(api.ConnectionString);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("select table_schema from information_schema.tables where table_name = 'wolverine_dead_letters'", connection);
            var schema = (string?)await command.ExecuteScalarAsync();
            await using var letters = new Npgsql.NpgsqlCommand($"select message_type, exception_type, exception_message from {schema}.wolverine_dead_letters", connection);
            await using var reader = await letters.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                dead.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)}");
            }

            await reader.CloseAsync();
            await using var incoming = new Npgsql.NpgsqlCommand($"select message_type, status, owner_id, execution_time, attempts from {schema}.wolverine_incoming_envelopes", connection);
            await using var rows = await incoming.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                dead.Add($"incoming {rows.GetValue(0)} {rows.GetValue(1)} owner={rows.GetValue(2)} at={rows.GetValue(3)} attempts={rows.GetValue(4)}");
            }

            await rows.CloseAsync();
            await using var attempts = new Npgsql.NpgsqlCommand("select data::text from nexus.mt_doc_publishattempt", connection);
            await using var docs = await attempts.ExecuteReaderAsync();
            while (await docs.ReadAsync())
            {
                var text = docs.GetString(0);
                if (!text.Contains("\"ExternalId\": \"sbx", StringComparison.Ordinal))
                {
                    dead.Add("attempt " + text);
                }
            }
        }

        Assert.True(unpublished.Count == 0, string.Join("\n", unpublished.Select(t => $"{t.Status} after {t.Attempts}: {t.LastError}").Concat(dead)));
        await using var read = store.QuerySession();
        var onSandbox = await read.Query<SandboxPost>().Where(p => p.Text.Contains(run)).ToListAsync();
        Assert.Equal(40, onSandbox.Count);
        Assert.Equal(40, onSandbox.Select(p => p.IdempotencyKey).Distinct().Count());
        Assert.Equal(final.SelectMany(p => p.Targets).Select(t => t.ExternalId).Order(), onSandbox.Select(p => p.Id).Order());
        Assert.Contains(final.SelectMany(p => p.Targets), t => t.Attempts > 1);
    }
}
