using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>
/// What every run of the API shares: listen address, database, keys (so tokens issued before a restart stay valid)
/// and high rate limits. A stage adds its own settings (sandbox latency, injected failures, retry delay).
/// </summary>
public sealed class ApiConfiguration
{
    private readonly Dictionary<string, string> _common;
    private readonly List<Uri> _nodeUrls = [];

    public ApiConfiguration(BenchOptions options, string database, string workDirectory)
    {
        Options = options;
        Port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{Port}");
        WorkDirectory = workDirectory;
        var url = BaseUrl.ToString().TrimEnd('/');
        _common = new(StringComparer.Ordinal)
        {
            ["NEXUS_DB"] = database,
            ["ASPNETCORE_ENVIRONMENT"] = options.Environment,
            ["ASPNETCORE_URLS"] = url,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning",
            ["Nexus__PublicUrl"] = url,
            ["Nexus__Platforms__Sandbox__BaseUrl"] = url,
            // The bench publishes to the sandbox, which Production leaves off unless it is asked for.
            ["Nexus__Platforms__Sandbox__Enabled"] = "true",
            ["Nexus__Demo__Seed"] = "false",
            ["Nexus__RateLimits__Token__PermitLimit"] = "1000000",
            ["Nexus__RateLimits__SignUp__PermitLimit"] = "1000000",
            ["Nexus__RateLimits__Login__PermitLimit"] = "1000000",
            ["Nexus__Auth__AllowPasswordGrant"] = "true",
            // The bench's sign-ins must outlive the whole run (restarts included).
            ["Nexus__Auth__AccessTokenLifetime"] = "06:00:00",
            ["Nexus__Email__DropDirectory"] = Path.Combine(workDirectory, "mail"),
            ["Nexus__TokenVault__Keys__0__Id"] = "bench",
            ["Nexus__TokenVault__Keys__0__Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        if (options.Environment == "Production")
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _common["Nexus__Auth__SigningCertificate"] = SelfSignedPfx("CN=Nexus bench signing", X509KeyUsageFlags.DigitalSignature, password);
            _common["Nexus__Auth__EncryptionCertificate"] = SelfSignedPfx("CN=Nexus bench encryption", X509KeyUsageFlags.KeyEncipherment, password);
            _common["Nexus__Auth__CertificatePassword"] = password;
            // Production insists on HTTPS at the token endpoint, as behind a TLS-terminating proxy: the bench is that
            // proxy, sending X-Forwarded-Proto: https on every request over loopback HTTP.
            _common["Nexus__ForwardedHeaders"] = "true";
        }
    }

    public BenchOptions Options { get; }

    public int Port { get; }

    public Uri BaseUrl { get; }

    public string WorkDirectory { get; }

    /// <summary>Whether clients must say they came over HTTPS (see the constructor).</summary>
    public bool ForwardedHttps => Options.Environment == "Production";

    public IReadOnlyDictionary<string, string> With(IReadOnlyDictionary<string, string> stage)
    {
        var all = new Dictionary<string, string>(_common, StringComparer.Ordinal);
        foreach (var (key, value) in stage)
        {
            all[key] = value;
        }

        return all;
    }

    /// <summary>
    /// The base URL of node <paramref name="node"/> of a several-node stage (node 0 is <see cref="BaseUrl"/>); each
    /// node gets a loopback port of its own, kept for the whole run so that a restarted node comes back on it.
    /// </summary>
    public Uri NodeUrl(int node)
    {
        lock (_nodeUrls)
        {
            while (_nodeUrls.Count <= node)
            {
                _nodeUrls.Add(_nodeUrls.Count == 0 ? BaseUrl : new Uri($"http://127.0.0.1:{FreePort()}"));
            }

            return _nodeUrls[node];
        }
    }

    /// <summary>
    /// The settings of node <paramref name="node"/>, as <c>./build.sh run --nodes N</c> gives them: its own listen
    /// address and sandbox base URL (every node serves, and publishes to, its own sandbox over the shared database),
    /// and one public URL for all — node 0's, as if it were the load balancer's — which is the token issuer and the
    /// OAuth redirect URIs' base, so that a token issued by one node is accepted by every other.
    /// </summary>
    public IReadOnlyDictionary<string, string> ForNode(int node, IReadOnlyDictionary<string, string> stage)
    {
        var url = NodeUrl(node).ToString().TrimEnd('/');
        var all = new Dictionary<string, string>(With(stage), StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = url,
            ["Nexus__PublicUrl"] = BaseUrl.ToString().TrimEnd('/'),
            ["Nexus__Platforms__Sandbox__BaseUrl"] = url,
        };
        return all;
    }

    /// <summary>The settings, with secrets left out, for the report.</summary>
    public static JsonObject Describe(IReadOnlyDictionary<string, string> environment)
    {
        var json = new JsonObject();
        foreach (var (key, value) in environment.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var secret = key.Contains("Certificate", StringComparison.Ordinal) || key.EndsWith("__Key", StringComparison.Ordinal) || key == "NEXUS_DB";
            json[key] = secret ? "(set)" : value;
        }

        return json;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string SelfSignedPfx(string subject, X509KeyUsageFlags usage, string password)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return Convert.ToBase64String(certificate.Export(X509ContentType.Pfx, password));
    }
}

/// <summary>
/// One run of the real API as a child process (<c>dotnet Nexus.Api.dll</c>): started, waited for until
/// <c>/readyz</c> answers 200, sampled for peak memory (VmHWM) and CPU time, and stopped with SIGKILL.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Queue<string> _tail = new();
    private readonly CancellationTokenSource _stopSampling = new();
    private readonly Task _sampler;
    private readonly Lock _gate = new();
    private long _peakKib;
    private long _cpuTicks;
    private int _errorLines;
    private int _warningLines;

    private ApiProcess(Process process, string name, string logPath)
    {
        _process = process;
        Pid = process.Id;
        Name = name;
        LogPath = logPath;
        _log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _sampler = SampleAsync(_stopSampling.Token);
    }

    public string Name { get; }

    public string LogPath { get; }

    public int Pid { get; }

    public TimeSpan StartToReady { get; private set; }

    public string Ending { get; private set; } = "running";

    /// <summary>Peak resident memory of the process so far (VmHWM), in KiB.</summary>
    public long PeakKib => Interlocked.Read(ref _peakKib);

    /// <summary>
    /// CPU used by the process so far (utime + stime from /proc/&lt;pid&gt;/stat, in clock ticks): read now while it runs;
    /// once killed, the last sample, taken just before the kill.
    /// </summary>
    public long CpuTicks
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _cpuTicks);
        }
    }

    public bool HasExited => _process.HasExited;

    public static async Task<ApiProcess> StartAsync(ApiConfiguration configuration, string name, IReadOnlyDictionary<string, string> environment, TimeSpan readyTimeout,
        Uri? baseUrl = null)
    {
        var dll = configuration.Options.ApiDll;
        if (!File.Exists(dll))
        {
            throw new BenchException($"The API is not built: {dll} does not exist (build src/Nexus.Api in the same configuration, or pass --api-dll).");
        }

        var start = new ProcessStartInfo(configuration.Options.Dotnet)
        {
            // The content root (appsettings*.json) is the directory the API was built into.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var inherited in new[] { "DOTNET_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "ConnectionStrings__Nexus" })
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new BenchException("Could not start the API process.");
        var api = new ApiProcess(process, name, Path.Combine(configuration.WorkDirectory, $"api-{name}.log"));
        try
        {
            await api.WaitReadyAsync(baseUrl ?? configuration.BaseUrl, readyTimeout);
        }
        catch
        {
            await api.KillAsync("failed to start");
            throw;
        }

        api.StartToReady = clock.Elapsed;
        Console.Error.WriteLine($"bench: API '{name}' ready (pid {api.Pid}) in {clock.Elapsed.TotalSeconds:F1} s");
        return api;
    }

    /// <summary>SIGKILL: no shutdown, no flushing, like a crashed or evicted node.</summary>
    public async Task KillAsync(string why = "killed (SIGKILL)")
    {
        if (!_process.HasExited)
        {
            Sample();
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
        Ending = Ending == "running" ? why : Ending;
        await _stopSampling.CancelAsync();
        await _sampler;
        _process.WaitForExit();
    }

    public void KillNow()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["pid"] = Pid,
        ["start_to_ready_s"] = Math.Round(StartToReady.TotalSeconds, 2),
        ["peak_memory_mib"] = Math.Round(PeakKib / 1024.0, 1),
        ["ending"] = Ending,
        ["log_lines_error"] = _errorLines,
        ["log_lines_warning"] = _warningLines,
        ["log"] = LogPath,
    };

    public string Tail()
    {
        lock (_gate)
        {
            return string.Join('\n', _tail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync("stopped (SIGKILL) at the end of its stage");
        _process.Dispose();
        await _log.DisposeAsync();
        _stopSampling.Dispose();
    }

    private async Task WaitReadyAsync(Uri baseUrl, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new BenchException($"The API exited with code {_process.ExitCode} while starting; last output:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(baseUrl, "/readyz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new BenchException($"The API was not ready within {timeout.TotalSeconds} s; last output:\n{Tail()}");
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _log.WriteLine(line);
            _tail.Enqueue(line);
            if (_tail.Count > 40)
            {
                _tail.Dequeue();
            }

            if (line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal) || line.Contains(" fail: ", StringComparison.Ordinal))
            {
                _errorLines++;
            }
            else if (line.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal) || line.StartsWith("warn:", StringComparison.Ordinal) || line.Contains(" warn: ", StringComparison.Ordinal))
            {
                _warningLines++;
            }
        }
    }

    private async Task SampleAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Sample();
                await Task.Delay(200, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reads VmHWM and the CPU used so far; keeps the highest seen (the last before a kill stays).</summary>
    private void Sample()
    {
        if (Machine.Status(Pid).TryGetValue("VmHWM", out var kib))
        {
            Max(ref _peakKib, kib);
        }

        if (Machine.Times(Pid) is { } times)
        {
            Max(ref _cpuTicks, times.Ticks);
        }

        static void Max(ref long location, long value)
        {
            long seen;
            while ((seen = Interlocked.Read(ref location)) < value && Interlocked.CompareExchange(ref location, value, seen) != seen)
            {
            }
        }
    }
}

/// <summary>A run that cannot complete (the bench exits non-zero).</summary>
public sealed class BenchException(string message) : Exception(message);
