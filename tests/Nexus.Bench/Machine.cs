using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>Facts about the machine and the code under test, for the report.</summary>
public static class Machine
{
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nexus.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    public static JsonObject Facts(string? repository)
    {
        var cpuInfo = Read("/proc/cpuinfo");
        var lines = cpuInfo?.Split('\n') ?? [];
        string? Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        var physical = lines.Where(l => l.StartsWith("physical id", StringComparison.Ordinal)).Distinct().Count();
        var coresPerSocket = int.TryParse(Field("cpu cores"), out var c) ? c : (int?)null;
        var memTotal = Read("/proc/meminfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return new JsonObject
        {
            ["processor_count"] = Environment.ProcessorCount,
            ["cores"] = coresPerSocket is { } cores ? cores * Math.Max(1, physical) : null,
            ["cpu_model"] = Field("model name"),
            ["cgroup_cpu_max"] = Read("/sys/fs/cgroup/cpu.max")?.Trim(),
            ["memory_total_mib"] = memTotal is null ? null : long.Parse(memTotal.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024,
            ["os"] = RuntimeInformation.OSDescription,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["bench_build_configuration"] = BenchOptions.BuildMetadata("BuildConfiguration"),
            ["commit"] = repository is null ? null : Git(repository, "rev-parse", "HEAD"),
            ["commit_subject"] = repository is null ? null : Git(repository, "log", "-1", "--format=%s"),
            ["worktree_dirty"] = repository is null ? null : Git(repository, "status", "--porcelain", "--untracked-files=no") is { } status ? status.Length > 0 : null,
            ["note"] = "The bench, the API and PostgreSQL share this machine's cores.",
        };
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Git(string repository, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-C");
            start.ArgumentList.Add(repository);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var git = Process.Start(start);
            if (git is null)
            {
                return null;
            }

            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
