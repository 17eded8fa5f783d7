using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>One process's line of <c>/proc/&lt;pid&gt;/stat</c>, as far as the profile needs it; times in clock ticks.</summary>
public sealed record ProcessTimes(int Pid, int ParentPid, string Comm, long UserTicks, long SystemTicks, long ChildUserTicks, long ChildSystemTicks)
{
    /// <summary>utime + stime: CPU used by the process itself.</summary>
    public long Ticks => UserTicks + SystemTicks;

    /// <summary>cutime + cstime: CPU of its children that have exited and been waited for.</summary>
    public long ExitedChildrenTicks => ChildUserTicks + ChildSystemTicks;
}

/// <summary>The <c>cpu</c> line of <c>/proc/stat</c>: all CPUs together, in clock ticks.</summary>
public sealed record MachineTimes(long BusyTicks, long TotalTicks);

/// <summary>CPU used by a PostgreSQL server's processes, and how they were found.</summary>
public sealed record PostgresTimes(long Ticks, int Processes, string How);

/// <summary>Facts about the machine and the code under test, for the report; CPU times from <c>/proc</c>.</summary>
public static class Machine
{
    /// <summary>Clock ticks per second of <c>/proc</c>'s CPU times (<c>getconf CLK_TCK</c>; 100 when unknown).</summary>
    public static int ClockTicksPerSecond { get; } =
        int.TryParse(Run("getconf", "CLK_TCK"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100;

    /// <summary>utime, stime, cutime, cstime and the parent of a process; null when it does not exist (any more).</summary>
    public static ProcessTimes? Times(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
        var close = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || close < 0)
        {
            return null;
        }

        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var fields = stat[(close + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return fields.Length < 15 ? null
            : new ProcessTimes(pid, (int)Field(4), stat[(open + 1)..close], Field(14), Field(15), Field(16), Field(17));
    }

    /// <summary>The first value of each line of <c>/proc/&lt;pid&gt;/status</c> (Threads, VmRSS in kB, VmHWM…).</summary>
    public static Dictionary<string, long> Status(int pid)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in Read($"/proc/{pid}/status")?.Split('\n') ?? [])
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var value = colon < 0 ? null : line[(colon + 1)..].Trim().Split(' ', '\t')[0];
            if (value is not null && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
            {
                values[line[..colon]] = number;
            }
        }

        return values;
    }

    /// <summary>The machine's CPU so far: busy (user, nice, system, irq, softirq, steal) and total (with idle, iowait).</summary>
    public static MachineTimes? MachineTimes()
    {
        var cpu = Read("/proc/stat")?.Split('\n').FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (cpu is null)
        {
            return null;
        }

        var f = cpu.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        long At(int i) => i < f.Length ? f[i] : 0;
        // user nice system idle iowait irq softirq steal (guest time is already inside user).
        var busy = At(0) + At(1) + At(2) + At(5) + At(6) + At(7);
        return new MachineTimes(busy, busy + At(3) + At(4));
    }

    /// <summary>
    /// CPU used so far by a PostgreSQL server. With its postmaster's pid: the postmaster (including the CPU of its
    /// children that have exited, cutime + cstime) plus its live children, so that backends ending in between still
    /// count. Without: every process named postgres (any cluster on the machine).
    /// </summary>
    public static PostgresTimes PostgresTimes(int? postmasterPid)
    {
        var all = AllProcesses().ToList();
        if (postmasterPid is { } pm && all.FirstOrDefault(p => p.Pid == pm) is { } postmaster)
        {
            var children = all.Where(p => p.ParentPid == pm).ToList();
            return new PostgresTimes(postmaster.Ticks + postmaster.ExitedChildrenTicks + children.Sum(p => p.Ticks), children.Count + 1,
                $"the postmaster (pid {pm}, with its exited children's CPU) and its live children");
        }

        var named = all.Where(p => IsPostgres(p.Pid, p.Comm)).ToList();
        var pids = named.Select(p => p.Pid).ToHashSet();
        return new PostgresTimes(named.Sum(p => p.Ticks + (pids.Contains(p.ParentPid) ? 0 : p.ExitedChildrenTicks)), named.Count,
            "every process whose comm or cmdline is postgres (the server's postmaster was not found on this machine)");
    }

    /// <summary>The parent of a PostgreSQL backend when both are local postgres processes (not in a container).</summary>
    public static int? PostmasterOf(int backendPid) =>
        Times(backendPid) is { } backend && IsPostgres(backend.Pid, backend.Comm) && Times(backend.ParentPid) is { } parent && IsPostgres(parent.Pid, parent.Comm)
            ? parent.Pid
            : null;

    private static bool IsPostgres(int pid, string comm) =>
        comm is "postgres" or "postmaster" ||
        Read($"/proc/{pid}/cmdline")?.Split('\0')[0] is { } command && (Path.GetFileName(command) == "postgres" || command.StartsWith("postgres:", StringComparison.Ordinal));

    private static IEnumerable<ProcessTimes> AllProcesses()
    {
        IEnumerable<string> directories;
        try
        {
            directories = Directory.EnumerateDirectories("/proc").ToList();
        }
        catch (IOException)
        {
            yield break;
        }

        foreach (var directory in directories)
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Times(pid) is { } times)
            {
                yield return times;
            }
        }
    }

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

    private static string? Git(string repository, params string[] args) => Run("git", ["-C", repository, .. args]);

    /// <summary>A command's trimmed standard output, or null when it cannot run or fails.</summary>
    private static string? Run(string command, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
