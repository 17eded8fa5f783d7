using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;

namespace Nexus.Bench;

/// <summary>
/// Restarts the bench's PostgreSQL server mid-run (<c>pg_ctl restart -m fast</c>), but only a cluster the bench may
/// treat as its own: a local postmaster whose data directory is a build.sh private cluster (<c>…/.data/pg</c>, a
/// disposable development cluster). A Docker or remote server, or any other cluster, is left alone and the reason said.
/// </summary>
public sealed class PostgresRestart
{
    private PostgresRestart(string? pgCtl, string? dataDirectory, string? skipReason)
    {
        PgCtl = pgCtl;
        DataDirectory = dataDirectory;
        SkipReason = skipReason;
    }

    public string? PgCtl { get; }

    public string? DataDirectory { get; }

    /// <summary>Why the server is not restarted; null when it will be.</summary>
    public string? SkipReason { get; }

    public static async Task<PostgresRestart> FindAsync(BenchDatabase database, bool wanted)
    {
        if (!wanted)
        {
            return new(null, null, "--pg-restart off");
        }

        var postmaster = await database.LocalPostmasterPidAsync();
        if (postmaster is not { } pid)
        {
            return new(null, null, "the server is not a local process (a container or another machine): not the bench's to restart");
        }

        string? directory;
        try
        {
            directory = await database.SettingAsync("data_directory");
        }
        catch (PostgresException ex)
        {
            return new(null, null, $"cannot read data_directory ({ex.SqlState}): not the bench's to restart");
        }

        if (directory is null || !directory.TrimEnd('/').EndsWith("/.data/pg", StringComparison.Ordinal))
        {
            return new(null, null, $"the data directory {directory} is not a build.sh private cluster (…/.data/pg): not the bench's to restart");
        }

        string? executable = null;
        try
        {
            executable = new FileInfo($"/proc/{pid}/exe").ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        var pgCtl = executable is null ? null : Path.Combine(Path.GetDirectoryName(executable)!, "pg_ctl");
        return pgCtl is null || !File.Exists(pgCtl)
            ? new(null, directory, $"pg_ctl not found beside the postmaster's executable ({executable ?? "unreadable"})")
            : new(pgCtl, directory, null);
    }

    /// <summary>
    /// <c>pg_ctl restart -m fast -w</c> as the data directory's owner (PostgreSQL refuses root), logging where build.sh's
    /// cluster logs; every pooled connection of the bench is dropped afterwards.
    /// </summary>
    public async Task<JsonObject> RestartAsync()
    {
        if (SkipReason is not null)
        {
            throw new InvalidOperationException(SkipReason);
        }

        var start = new ProcessStartInfo(PgCtl!) { WorkingDirectory = "/", RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var owner = Run("stat", "-c", "%U", DataDirectory!);
        if (Environment.UserName == "root" && owner is { Length: > 0 } and not "root")
        {
            start = new ProcessStartInfo("runuser") { WorkingDirectory = "/", RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "-u", owner, "--", PgCtl! })
            {
                start.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in new[] { "restart", "-m", "fast", "-w", "-t", "120", "-D", DataDirectory!, "-l", Path.Combine(DataDirectory!, "server.log") })
        {
            start.ArgumentList.Add(arg);
        }

        var at = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new BenchException("could not start pg_ctl");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var took = clock.Elapsed;
        NpgsqlConnection.ClearAllPools();
        var text = ((await output) + (await error)).Trim();
        if (process.ExitCode != 0)
        {
            throw new BenchException($"pg_ctl restart failed (exit {process.ExitCode}): {text}");
        }

        return new JsonObject
        {
            ["at"] = at.ToString("O", CultureInfo.InvariantCulture),
            ["command"] = $"pg_ctl restart -m fast -w -D {DataDirectory}",
            ["took_s"] = Math.Round(took.TotalSeconds, 2),
        };
    }

    private static string? Run(string command, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start);
            var text = process?.StandardOutput.ReadToEnd().Trim();
            process?.WaitForExit();
            return process?.ExitCode == 0 ? text : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
