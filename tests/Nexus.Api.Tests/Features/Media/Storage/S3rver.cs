using System.Diagnostics;
using System.Text.RegularExpressions;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media.Storage;

/// <summary>
/// An S3-compatible server (s3rver 3.7.1 from npm, installed by build.sh) started for the tests on a free port (it
/// binds port 0 and prints the one it got) with a temporary directory and one bucket, stopped on dispose. Missing
/// s3rver fails the tests that need it: the S3 store is part of what they prove, never skipped.
/// </summary>
public sealed partial class S3rver : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly Process _process;
    private readonly string _directory;

    private S3rver(Process process, string directory, string serviceUrl, string bucket)
    {
        _process = process;
        _directory = directory;
        ServiceUrl = serviceUrl;
        Bucket = bucket;
    }

    public string ServiceUrl { get; }

    public string Bucket { get; }

    /// <summary>Where s3rver keeps its buckets: each object under <c>&lt;bucket&gt;/&lt;key&gt;._S3rver_object</c>.</summary>
    public string DataDirectory => _directory;

    /// <summary>The settings that point the API's store at this server.</summary>
    public IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Media:Storage"] = "S3",
        ["Nexus:Media:S3:Bucket"] = Bucket,
        ["Nexus:Media:S3:ServiceUrl"] = ServiceUrl,
        ["Nexus:Media:S3:AccessKey"] = AccessKey,
        ["Nexus:Media:S3:SecretKey"] = SecretKey,
    };

    public static string Executable()
    {
        var path = Environment.GetEnvironmentVariable("NEXUS_S3RVER") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryRoot.Path, ".data", "tools", "s3rver", "node_modules", ".bin", "s3rver");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"s3rver not found at {path}: the S3 media store's tests need it. Run ./build.sh (it installs s3rver under .data/tools), or set NEXUS_S3RVER to its path.");
    }

    public static async Task<S3rver> StartAsync(string bucket = "nexus-media")
    {
        var executable = Executable();
        var directory = Path.Combine(Path.GetTempPath(), "nexus-s3rver", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--directory", directory, "--address", "127.0.0.1", "--port", "0", "--silent", "--configure-bucket", bucket])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && Listening().Match(text) is { Success: true } match)
            {
                listening.TrySetResult(match.Groups[1].Value);
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            lock (errors)
            {
                errors.AppendLine(line.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(30)));
        if (first != listening.Task)
        {
            var server = new S3rver(process, directory, "", bucket);
            await server.DisposeAsync();
            lock (errors)
            {
                throw new InvalidOperationException($"s3rver did not start listening within 30 s: {errors}");
            }
        }

        return new S3rver(process, directory, $"http://127.0.0.1:{await listening.Task}", bucket);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [GeneratedRegex(@"S3rver listening on [^\s:]+:(\d+)")]
    private static partial Regex Listening();
}
