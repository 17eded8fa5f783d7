using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Features.Media.Processing.Video;

/// <summary>
/// Runs one ffmpeg process the way every operation needs it: reading local files only (<c>-protocol_whitelist file</c>,
/// no stdin), with bounded threads, under an address-space limit (<c>prlimit --as</c> where util-linux has it), killed
/// with its process tree at <see cref="MediaOptions.ProcessTimeout"/> or cancellation, reporting progress from
/// <c>-progress pipe:1</c>. ffmpeg's own messages go to the log at Debug only: they name paths and internals, not
/// anything a user can act on.
/// </summary>
/// <remarks>
/// A plain <see cref="Process"/> rather than FFMpegCore: the run must start under prlimit (FFMpegCore starts the ffmpeg
/// binary itself), be killed as a tree, and read the machine-readable <c>-progress</c> stream instead of parsing stderr.
/// </remarks>
public sealed class FfmpegProcess(IOptions<MediaOptions> options, ILogger<FfmpegProcess> logger)
{
    /// <summary>Encoder and decoder threads per run: a run may use every core but no more than this many.</summary>
    public static int Threads { get; } = Math.Clamp(Environment.ProcessorCount, 1, 8);

    private const int StderrTailLines = 200;

    private static readonly Lazy<string?> Prlimit = new(() => FindOnPath("prlimit"));

    private readonly MediaOptions _options = options.Value;

    /// <summary>The arguments that make an input safe to open: only the file protocol (no network, no nested URLs).</summary>
    public static IEnumerable<string> Input(string path, double? seekSeconds = null)
    {
        if (seekSeconds is > 0)
        {
            yield return "-ss";
            yield return Seconds(seekSeconds.Value);
        }

        yield return "-threads";
        yield return Threads.ToString(CultureInfo.InvariantCulture);
        yield return "-protocol_whitelist";
        yield return "file";
        yield return "-i";
        // The file: prefix keeps a path with a colon from being read as a protocol name.
        yield return "file:" + Path.GetFullPath(path);
    }

    /// <summary>An output path as ffmpeg is given it (always a file).</summary>
    public static string Output(string path) => "file:" + Path.GetFullPath(path);

    public static string Seconds(double seconds) => seconds.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs ffmpeg with <paramref name="arguments"/> (inputs, filters, output); progress is the output time over
    /// <paramref name="expectedSeconds"/>, mapped onto <paramref name="progress"/>. Returns the tail of ffmpeg's messages
    /// (loudnorm's measurements are read from them). A failure, a timeout or an exhausted memory limit throws
    /// <see cref="MediaRejectedException"/> with a message for the user; cancellation throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<string> RunAsync(IReadOnlyList<string> arguments, double expectedSeconds, IProgress<double> progress, string logLevel, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        if (Prlimit.Value is { } prlimit)
        {
            start.FileName = prlimit;
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--as={_options.ProcessMemoryBytes}"));
            start.ArgumentList.Add("ffmpeg");
        }
        else
        {
            start.FileName = "ffmpeg";
        }

        foreach (var argument in (string[])["-hide_banner", "-nostdin", "-nostats", "-loglevel", logLevel, "-progress", "pipe:1", "-stats_period", "0.25", "-y"])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Running {Program} {Arguments}", start.FileName, string.Join(' ', start.ArgumentList));
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException("ffmpeg could not be started: is it installed (build.sh installs it)?", exception);
        }

        var stderr = new Queue<string>();
        var readingErrors = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None) is { } line)
            {
                lock (stderr)
                {
                    stderr.Enqueue(line);
                    if (stderr.Count > StderrTailLines)
                    {
                        stderr.Dequeue();
                    }
                }
            }
        }, CancellationToken.None);
        var readingProgress = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
            {
                if (line.StartsWith("out_time_us=", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros)
                    && expectedSeconds > 0)
                {
                    progress.Report(Math.Clamp(micros / 1e6 / expectedSeconds * 100, 0, 100));
                }
            }
        }, CancellationToken.None);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ProcessTimeout);
        var clock = Stopwatch.StartNew();
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
        }

        await process.WaitForExitAsync(CancellationToken.None);
        await Task.WhenAll(readingErrors, readingProgress);
        string tail;
        lock (stderr)
        {
            tail = string.Join('\n', stderr);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (deadline.IsCancellationRequested)
        {
            Log(LogLevel.Warning, $"ffmpeg was stopped after the {_options.ProcessTimeout} processing limit", tail);
            throw new MediaRejectedException(MediaRejectedException.TooLarge,
                string.Create(CultureInfo.InvariantCulture, $"Processing was stopped after {_options.ProcessTimeout.TotalMinutes:0.##} min, the most one step may take: the file is too long or too large to process here."));
        }

        if (process.ExitCode != 0)
        {
            Log(LogLevel.Warning, $"ffmpeg failed with exit code {process.ExitCode} after {clock.ElapsedMilliseconds} ms", tail);
            throw new MediaRejectedException(MediaRejectedException.Unsupported,
                "The file could not be processed: ffmpeg stopped with an error (the file may be damaged, or too large for the memory a step may use).");
        }

        Log(LogLevel.Debug, $"ffmpeg finished in {clock.ElapsedMilliseconds} ms", null);
        return tail;
    }

    /// <summary>What happened at <paramref name="level"/>; ffmpeg's own messages only at Debug.</summary>
    private void Log(LogLevel level, string what, string? stderr)
    {
        if (logger.IsEnabled(level))
        {
            logger.Log(level, "{What}", what);
        }

        if (stderr is not null && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("ffmpeg's last messages: {Stderr}", stderr);
        }
    }

    private void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own between the deadline and the kill.
        }
        catch (Win32Exception exception)
        {
            logger.LogWarning(exception, "ffmpeg (pid {Pid}) could not be killed", process.Id);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => Path.Combine(directory, name))
        .FirstOrDefault(File.Exists);
}
