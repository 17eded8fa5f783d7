using Marten;
using Marten.Services;

namespace Nexus.Api.Infrastructure.Realtime;

/// <summary>
/// After every commit of every Marten session (Wolverine's transactional handlers included), hands the event streams
/// the transaction appended to each <see cref="IRealtimeSource"/>. A failing source is logged; the transaction is
/// committed by then and never fails because of it.
/// </summary>
/// <remarks>
/// Fan-out is in-process (<see cref="WorkspaceFeed"/>): it reaches the subscribers connected to this node only.
/// Running several nodes would need PostgreSQL <c>LISTEN/NOTIFY</c> (or another bus) between them.
/// </remarks>
public sealed class RealtimeListener(WorkspaceFeed feed, IReadOnlyList<IRealtimeSource> sources, ILogger<RealtimeListener> logger) : DocumentSessionListenerBase
{
    public override async Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        var streams = commit.GetStreams().ToList();
        // With no subscriber on this node, reading the changed read models after every commit is pure cost.
        if (streams.Count == 0 || sources.Count == 0 || !feed.HasWatchers)
        {
            return;
        }

        try
        {
            // A session of its own: the committing one may belong to a finished transaction (Wolverine's outbox).
            await using var query = session.DocumentStore.QuerySession();
            foreach (var source in sources)
            {
                try
                {
                    await source.PublishAsync(streams, query, feed, token);
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Realtime source {Source} failed after a commit; its subscribers miss these events", source.GetType().Name);
                }
            }
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Realtime fan-out failed after a commit");
        }
    }
}

/// <summary>Registers the feed, the realtime sources and, with Marten, the listener.</summary>
public static class RealtimeSetup
{
    public static IServiceCollection AddNexusRealtime(this IServiceCollection services)
    {
        services.AddSingleton<WorkspaceFeed>();
        foreach (var source in typeof(RealtimeSetup).Assembly.GetTypes()
                     .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRealtimeSource).IsAssignableFrom(t))
                     .OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            services.AddSingleton(typeof(IRealtimeSource), source);
        }

        return services;
    }
}

/// <summary>Adds the <see cref="RealtimeListener"/> to every session the store opens (discovered like the areas' Marten setup).</summary>
public sealed class RealtimeMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        if (services.GetService<WorkspaceFeed>() is { } feed)
        {
            options.Listeners.Add(new RealtimeListener(feed, [.. services.GetServices<IRealtimeSource>()], services.GetRequiredService<ILogger<RealtimeListener>>()));
        }
    }
}
