using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>What the stages share: settings, the API process of the moment, the signed-in users, the report.</summary>
public sealed class BenchRun : IAsyncDisposable
{
    private readonly List<ApiProcess> _runs = [];
    private readonly List<ApiProcess?> _nodes = [];
    private readonly List<NexusClient> _nodeClients = [];

    // Restarts still under way when a stage fails are waited for at the end, so that none is left running.
    private readonly List<Task<ApiProcess>> _starting = [];
    private readonly JsonArray _stageSettings = [];

    public BenchRun(BenchOptions options, BenchDatabase database, string workDirectory)
    {
        Options = options;
        Database = database;
        RunId = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..4];
        Api = new ApiConfiguration(options, database.ConnectionString, workDirectory);
        Client = new NexusClient(Api);
    }

    public BenchOptions Options { get; }

    public BenchDatabase Database { get; }

    public string RunId { get; }

    public ApiConfiguration Api { get; }

    public NexusClient Client { get; }

    public ApiProcess? Current { get; private set; }

    /// <summary>Every API process started so far, the killed ones too.</summary>
    public IReadOnlyList<ApiProcess> Runs => _runs;

    public IReadOnlyList<BenchUser> Users { get; private set; } = [];

    public JsonObject? UserSetup { get; private set; }

    public TimeSpan ReadyTimeout { get; } = TimeSpan.FromMinutes(3);

    /// <summary>How many API nodes the current stage runs (1 but in the two-node stages).</summary>
    public int NodeCount { get; private set; } = 1;

    /// <summary>The client of node <paramref name="node"/> (node 0's is <see cref="Client"/>).</summary>
    public NexusClient NodeClient(int node)
    {
        while (_nodeClients.Count <= node)
        {
            _nodeClients.Add(_nodeClients.Count == 0 ? Client : new NexusClient(Api, Api.NodeUrl(_nodeClients.Count)));
        }

        return _nodeClients[node];
    }

    /// <summary>The node a bench user talks to: the load is split over the stage's nodes by user.</summary>
    public NexusClient ClientFor(BenchUser user) => NodeClient(user.Index % NodeCount);

    /// <summary>The API process of node <paramref name="node"/> of the current stage.</summary>
    public ApiProcess Node(int node) => _nodes[node] ?? throw new InvalidOperationException($"node {node} is not running");

    /// <summary>Stops every running API and starts <paramref name="count"/> nodes over the one database, one after the other.</summary>
    public async Task StartNodesAsync(string name, IReadOnlyDictionary<string, string> stageSettings, int count)
    {
        await StopAllAsync();
        NodeCount = count;
        _stageSettings.Add(new JsonObject { ["run"] = $"{name} ({count} nodes, each with its own ASPNETCORE_URLS and sandbox BaseUrl, node 1's address as the shared PublicUrl)", ["settings"] = ApiConfiguration.Describe(stageSettings) });
        if (_stageSettings.Count == 1)
        {
            _stageSettings.Insert(0, new JsonObject { ["run"] = "(all)", ["settings"] = ApiConfiguration.Describe(Api.With(new Dictionary<string, string>())) });
        }

        for (var node = 0; node < count; node++)
        {
            var process = await ApiProcess.StartAsync(Api, $"{name}-node{node + 1}", Api.ForNode(node, stageSettings), ReadyTimeout, Api.NodeUrl(node));
            _runs.Add(process);
            _nodes.Add(process);
        }

        Current = _nodes[0];
    }

    /// <summary>SIGKILLs node <paramref name="node"/>.</summary>
    public async Task KillNodeAsync(int node)
    {
        await Node(node).KillAsync();
        _nodes[node] = null;
    }

    /// <summary>Starts killed node <paramref name="node"/> again on its port with the same settings; ends when it is ready.</summary>
    public async Task<ApiProcess> RestartNodeAsync(int node, string name, IReadOnlyDictionary<string, string> stageSettings)
    {
        var starting = ApiProcess.StartAsync(Api, name, Api.ForNode(node, stageSettings), ReadyTimeout, Api.NodeUrl(node));
        _starting.Add(starting);
        var process = await starting;
        _runs.Add(process);
        _nodes[node] = process;
        if (node == 0)
        {
            Current = process;
        }

        return process;
    }

    private async Task StopAllAsync()
    {
        foreach (var process in _nodes.Append(Current).OfType<ApiProcess>().Distinct())
        {
            await process.KillAsync("stopped (SIGKILL) at the end of its stage");
        }

        _nodes.Clear();
        Current = null;
        NodeCount = 1;
    }

    /// <summary>Stops the running API (if any) and starts one with the stage's settings.</summary>
    public async Task<ApiProcess> StartApiAsync(string name, IReadOnlyDictionary<string, string> stageSettings)
    {
        await StopAllAsync();

        var environment = Api.With(stageSettings);
        _stageSettings.Add(new JsonObject { ["run"] = name, ["settings"] = ApiConfiguration.Describe(stageSettings) });
        if (_stageSettings.Count == 1)
        {
            _stageSettings.Insert(0, new JsonObject { ["run"] = "(all)", ["settings"] = ApiConfiguration.Describe(Api.With(new Dictionary<string, string>())) });
        }

        Current = await ApiProcess.StartAsync(Api, name, environment, ReadyTimeout);
        _runs.Add(Current);
        return Current;
    }

    /// <summary>SIGKILLs the running API and starts it again with the same settings.</summary>
    public async Task<ApiProcess> KillAndRestartAsync(string name, IReadOnlyDictionary<string, string> stageSettings)
    {
        var current = Current ?? throw new InvalidOperationException("no API is running");
        await current.KillAsync();
        Current = await ApiProcess.StartAsync(Api, name, Api.With(stageSettings), ReadyTimeout);
        _runs.Add(Current);
        return Current;
    }

    /// <summary>One user per concurrent client, each with a workspace and a sandbox connection (made once, reused).</summary>
    public async Task EnsureUsersAsync()
    {
        if (Users.Count > 0)
        {
            return;
        }

        Console.Error.WriteLine($"bench: signing up {Options.Concurrency} users, each with a workspace and a sandbox connection");
        var clock = Stopwatch.StartNew();
        var users = new BenchUser[Options.Concurrency];
        await Load.ForEachAsync(Enumerable.Range(0, Options.Concurrency), 8, async (i, ct) => users[i] = await Client.NewUserAsync(RunId, i, ct));
        Users = users;
        UserSetup = new JsonObject
        {
            ["users"] = users.Length,
            ["how"] = "signUp → password grant (nexus-cli) → createWorkspace → startConnection(SANDBOX) → begin link (binding cookie) → consent page → Allow → /oauth/callback/sandbox",
            ["elapsed_s"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
        };
    }

    public JsonObject ProcessReport()
    {
        var peak = _runs.Count == 0 ? 0 : _runs.Max(r => r.PeakKib);
        return new JsonObject
        {
            ["peak_memory_mib"] = Math.Round(peak / 1024.0, 1),
            ["peak_memory_what"] = "max over all API processes of VmHWM (peak resident set) from /proc/<pid>/status, sampled every 200 ms and just before each kill",
            ["runs"] = new JsonArray([.. _runs.Select(r => (JsonNode)r.ToJson())]),
            ["settings"] = _stageSettings.DeepClone(),
        };
    }

    /// <summary>Kills the running API at once (on Ctrl-C or SIGTERM of the bench).</summary>
    public void KillNow()
    {
        foreach (var process in _runs)
        {
            process.KillNow();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var starting in _starting)
        {
            try
            {
                var process = await starting;
                if (!_runs.Contains(process))
                {
                    _runs.Add(process);
                }
            }
            catch (BenchException)
            {
                // It did not start: StartAsync has killed it already.
            }
        }

        foreach (var run in _runs)
        {
            await run.DisposeAsync();
        }

        foreach (var client in _nodeClients.Skip(1))
        {
            client.Dispose();
        }

        Client.Dispose();
    }
}
