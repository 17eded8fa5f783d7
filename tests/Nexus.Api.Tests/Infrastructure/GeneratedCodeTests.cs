using System.Diagnostics;

namespace Nexus.Api.Tests.Infrastructure;

/// <summary>
/// Production runs the handler code checked in under src/Nexus.Api/Internal/Generated (TypeLoadMode.Static) while
/// tests generate their own: this is what stops a changed handler from shipping with the code of the old one.
/// </summary>
public sealed class GeneratedCodeTests
{
    [Fact]
    public async Task the_pre_generated_handler_code_is_what_the_handlers_generate_today()
    {
        var checkedIn = System.IO.Path.Combine(RepositoryRoot.Path, "src", "Nexus.Api", "Internal", "Generated");
        var fresh = Directory.CreateTempSubdirectory("nexus-codegen-").FullName;
        try
        {
            // Exactly what `./build.sh codegen` runs, with the content root (where it writes) in a scratch directory.
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = fresh, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { typeof(Program).Assembly.Location, "codegen", "write" })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            start.Environment["NEXUS_DB"] = "Host=127.0.0.1;Database=codegen";
            using var codegen = Process.Start(start)!;
            var output = codegen.StandardOutput.ReadToEndAsync();
            var errors = codegen.StandardError.ReadToEndAsync();
            await codegen.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(codegen.ExitCode == 0, $"codegen write failed: {await output}\n{await errors}");

            var expected = Files(System.IO.Path.Combine(fresh, "Internal", "Generated"));
            var actual = Files(checkedIn);
            Assert.NotEmpty(expected);
            var stale = expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
                .Where(f => !expected.TryGetValue(f, out var e) || !actual.TryGetValue(f, out var a) || e != a)
                .ToList();
            Assert.True(stale.Count == 0,
                $"The pre-generated handler code is stale ({string.Join(", ", stale)}): run ./build.sh codegen and commit src/Nexus.Api/Internal/Generated.");
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }

    private static Dictionary<string, string> Files(string root) =>
        !Directory.Exists(root)
            ? []
            : Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).ToDictionary(
                f => System.IO.Path.GetRelativePath(root, f).Replace('\\', '/'),
                f => File.ReadAllText(f).ReplaceLineEndings("\n"),
                StringComparer.Ordinal);
}
