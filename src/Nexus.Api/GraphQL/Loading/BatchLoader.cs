using GraphQL;
using GraphQL.DataLoader;
using Marten;

namespace Nexus.Api.GraphQL.Loading;

/// <summary>
/// Loads the rows asked for by one batch of keys, in one database round trip, on the session it is given.
/// Keys without a row are left out of the answer.
/// </summary>
public delegate Task<IReadOnlyDictionary<TKey, TValue>> BatchFetch<TKey, TValue>(IQuerySession session, IReadOnlyCollection<TKey> keys, CancellationToken ct)
    where TKey : notnull;

/// <summary>
/// What a loader loads and how, declared once by the area that owns the rows (for example
/// <c>Loaders.Users</c>) and used by every resolver that needs one: <c>context.Load(Loaders.Users, id)</c>.
/// </summary>
public sealed class BatchLoader<TKey, TValue>(string name, BatchFetch<TKey, TValue> fetch)
    where TKey : notnull
{
    /// <summary>Names the loader in errors and traces.</summary>
    public string Name { get; } = name;

    internal BatchFetch<TKey, TValue> Fetch { get; } = fetch;
}

/// <summary>Loaders of documents by their id, the usual case.</summary>
public static class BatchLoader
{
    /// <summary>Loads <typeparamref name="TDocument"/>s by id with one <c>LoadManyAsync</c> per batch.</summary>
    public static BatchLoader<Guid, TDocument> ById<TDocument>(Func<TDocument, Guid> id) where TDocument : notnull =>
        new(typeof(TDocument).Name, async (session, keys, ct) =>
            (await session.LoadManyAsync<TDocument>(ct, keys)).ToDictionary(id));
}

/// <summary>
/// The batch loaders of one request (one service scope: an HTTP request, a WebSocket operation, one subscription
/// event). A resolver's <see cref="Load{TKey,TValue}"/> only notes the key and returns an
/// <see cref="IDataLoaderResult{T}"/>: graphql-dotnet's execution strategies set such a field aside until every other
/// field that can run has run, then await the results. The first await dispatches every batch noted so far, one
/// query per loader, so a page of 100 posts costs one query for their authors rather than 100.
/// </summary>
/// <remarks>
/// The batches dispatched together run in parallel, each on a query session of its own: a Marten session is not
/// thread-safe, and the request's session stays with the resolvers, which the execution strategy runs one at a time.
/// Nothing is cached beyond its batch: a key asked for again after its batch ran is loaded again, so a mutation
/// never answers with a row read before an earlier mutation of the same document changed it.
/// </remarks>
public sealed class BatchLoaders(IDocumentStore store)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<object, IBatch> _open = [];

    /// <summary>The row of <paramref name="key"/>, or null when there is none, once the batch has run.</summary>
    public IDataLoaderResult<TValue?> Load<TKey, TValue>(BatchLoader<TKey, TValue> loader, TKey key) where TKey : notnull
    {
        var batch = Open(loader, [key]);
        return new Loaded<TValue?>(this, batch, async ct => (await batch.RunAsync(ct)).GetValueOrDefault(key));
    }

    /// <summary>The rows of <paramref name="keys"/> that exist, from one batch.</summary>
    public IDataLoaderResult<IReadOnlyDictionary<TKey, TValue>> LoadMany<TKey, TValue>(BatchLoader<TKey, TValue> loader, IEnumerable<TKey> keys) where TKey : notnull
    {
        var wanted = keys.ToHashSet();
        var batch = Open(loader, wanted);
        return new Loaded<IReadOnlyDictionary<TKey, TValue>>(this, batch, async ct =>
        {
            var rows = await batch.RunAsync(ct);
            return rows.Where(r => wanted.Contains(r.Key)).ToDictionary();
        });
    }

    private Batch<TKey, TValue> Open<TKey, TValue>(BatchLoader<TKey, TValue> loader, IEnumerable<TKey> keys) where TKey : notnull
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(loader, out var open))
            {
                open = new Batch<TKey, TValue>(loader, store);
                _open[loader] = open;
            }

            var batch = (Batch<TKey, TValue>)open;
            batch.Keys.UnionWith(keys);
            return batch;
        }
    }

    /// <summary>
    /// Starts every open batch; keys asked for from now on go to new ones. Called only by a result whose own batch has
    /// not started: the results of a started batch that are awaited next (while chained loads note the keys of
    /// their second step) must leave those new batches open until every result of this step has been handled.
    /// </summary>
    private void DispatchAll(CancellationToken ct)
    {
        List<IBatch> batches;
        lock (_lock)
        {
            batches = [.. _open.Values];
            _open.Clear();
        }

        foreach (var batch in batches)
        {
            batch.Start(ct);
        }
    }

    private interface IBatch
    {
        bool Started { get; }

        void Start(CancellationToken ct);
    }

    private sealed class Batch<TKey, TValue>(BatchLoader<TKey, TValue> loader, IDocumentStore store) : IBatch where TKey : notnull
    {
        private readonly Lock _lock = new();
        private Task<IReadOnlyDictionary<TKey, TValue>>? _run;

        public HashSet<TKey> Keys { get; } = [];

        public bool Started
        {
            get
            {
                lock (_lock)
                {
                    return _run is not null;
                }
            }
        }

        public void Start(CancellationToken ct) => RunAsync(ct);

        public Task<IReadOnlyDictionary<TKey, TValue>> RunAsync(CancellationToken ct)
        {
            lock (_lock)
            {
                return _run ??= FetchAsync(ct);
            }
        }

        private async Task<IReadOnlyDictionary<TKey, TValue>> FetchAsync(CancellationToken ct)
        {
            await using var session = store.QuerySession();
            return await loader.Fetch(session, Keys, ct);
        }
    }

    private sealed class Loaded<T>(BatchLoaders owner, IBatch batch, Func<CancellationToken, Task<T>> result) : IDataLoaderResult<T>
    {
        public Task<T> GetResultAsync(CancellationToken cancellationToken = default)
        {
            if (!batch.Started)
            {
                owner.DispatchAll(cancellationToken);
            }

            return result(cancellationToken);
        }

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}

/// <summary>Reaching the request's loaders from a resolver, and chaining loads.</summary>
public static class BatchLoadingExtensions
{
    /// <summary>The row of <paramref name="key"/> (null when there is none), loaded in one batch with the others asked for meanwhile.</summary>
    public static IDataLoaderResult<TValue?> Load<TKey, TValue>(this IResolveFieldContext context, BatchLoader<TKey, TValue> loader, TKey key) where TKey : notnull =>
        context.RequestServices!.GetRequiredService<BatchLoaders>().Load(loader, key);

    /// <summary>The rows of <paramref name="keys"/> that exist, loaded in one batch with the others asked for meanwhile.</summary>
    public static IDataLoaderResult<IReadOnlyDictionary<TKey, TValue>> LoadMany<TKey, TValue>(this IResolveFieldContext context, BatchLoader<TKey, TValue> loader, IEnumerable<TKey> keys)
        where TKey : notnull =>
        context.RequestServices!.GetRequiredService<BatchLoaders>().LoadMany(loader, keys);

    /// <summary>
    /// What <paramref name="next"/> makes of the loaded value. It may return another load: the execution strategy
    /// sets that aside too, so the second loads of many fields still go in one batch.
    /// </summary>
    public static IDataLoaderResult<TResult> Then<T, TResult>(this IDataLoaderResult<T> loaded, Func<T, TResult> next) => new Continued<T, TResult>(loaded, next);

    /// <summary>A value that is already known, where a load is expected.</summary>
    public static IDataLoaderResult<T> AsLoaded<T>(this T value) => new Known<T>(value);

    /// <summary>
    /// A value read on its own when the execution strategy asks for it, where a load is expected: for the few reads
    /// that cannot be batched (a visibility rule needing two documents of different types).
    /// </summary>
    public static IDataLoaderResult<T> Deferred<T>(Func<CancellationToken, Task<T>> read) => new Later<T>(read);

    private sealed class Continued<T, TResult>(IDataLoaderResult<T> loaded, Func<T, TResult> next) : IDataLoaderResult<TResult>
    {
        public async Task<TResult> GetResultAsync(CancellationToken cancellationToken = default) => next(await loaded.GetResultAsync(cancellationToken));

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }

    private sealed class Later<T>(Func<CancellationToken, Task<T>> read) : IDataLoaderResult<T>
    {
        public Task<T> GetResultAsync(CancellationToken cancellationToken = default) => read(cancellationToken);

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await read(cancellationToken);
    }

    private sealed class Known<T>(T value) : IDataLoaderResult<T>
    {
        public Task<T> GetResultAsync(CancellationToken cancellationToken = default) => Task.FromResult(value);

        Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => Task.FromResult<object?>(value);
    }
}
