using System.Text;
using GraphQL;
using GraphQL.Utilities;
using Nexus.Api.Features.EventStreams.Versioning;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.GraphQL;

/// <summary>
/// Produces <c>schema/nexus.graphql</c> (the SDL of the running schema), <c>schema/possible-types.json</c> (each
/// interface and union with the object types that can stand for it, for normalising caches) and
/// <c>schema/events.md</c> (the event catalogue). <c>dotnet run --project src/Nexus.Api -- export-schema schema</c>
/// writes them; tests compare.
/// </summary>
public static class SchemaExport
{
    public const string SdlFile = "nexus.graphql";
    public const string EventsFile = "events.md";
    public const string WebhooksFile = "webhooks.md";
    public const string PossibleTypesFile = "possible-types.json";

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, string directory)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, EnvironmentName = "Development" });
        // The export only builds the schema; nothing connects, so any well-formed connection string will do.
        builder.Configuration["NEXUS_DB"] ??= "Host=localhost;Database=unused";
        builder.AddNexusHost();
        await using var app = builder.Build();

        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, SdlFile), Sdl(app.Services));
        await File.WriteAllTextAsync(Path.Combine(directory, PossibleTypesFile), PossibleTypes(app.Services));
        if (CatalogueProblems(directory) is { Count: > 0 } problems)
        {
            await Console.Error.WriteLineAsync($"wrote {SdlFile} and {PossibleTypesFile}; not {EventsFile}: the code changes event types that have landed:");
            foreach (var problem in problems)
            {
                await Console.Error.WriteLineAsync("  " + problem);
            }

            return 1;
        }

        await File.WriteAllTextAsync(Path.Combine(directory, EventsFile), EventCatalogue());
        await File.WriteAllTextAsync(Path.Combine(directory, WebhooksFile), Features.Hooks.HookEventTypes.Markdown());
        await Console.Out.WriteLineAsync($"wrote {SdlFile}, {PossibleTypesFile} and {EventsFile} in {directory}");
        return 0;
    }

    public static string Sdl(IServiceProvider services)
    {
        var schema = services.GetRequiredService<NexusSchema>();
        schema.Initialize();
        return schema.Print(new PrintOptions { IncludeDescriptions = true, IncludeDeprecationReasons = true, StringComparison = StringComparison.Ordinal })
            .ReplaceLineEndings("\n").TrimEnd() + "\n";
    }

    /// <summary>
    /// <c>{ "Error": ["EmailTakenError", …], "Node": […], "SignUpError": […] }</c>: the map Apollo Client's
    /// <c>possibleTypes</c> and urql's Graphcache take, so <c>... on Error</c> and <c>... on Node</c> fragments match
    /// without fetching the schema at run time. Keys and members in ordinal order, so the file only changes with the schema.
    /// </summary>
    public static string PossibleTypes(IServiceProvider services)
    {
        var schema = services.GetRequiredService<NexusSchema>();
        schema.Initialize();
        var map = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var type in schema.AllTypes.OfType<global::GraphQL.Types.IAbstractGraphType>().Where(t => !t.Name.StartsWith("__", StringComparison.Ordinal)))
        {
            map[type.Name] = [.. type.PossibleTypes.Select(t => t.Name).Order(StringComparer.Ordinal)];
        }

        return System.Text.Json.JsonSerializer.Serialize(map, Indented)
            .ReplaceLineEndings("\n") + "\n";
    }

    public static string EventCatalogue() => EventCatalogue(EventVersions.Entries(Persistence.EventTypes, EventVersions.Upcasters));

    public static string EventCatalogue(IReadOnlyList<CatalogueEntry> entries)
    {
        var text = new StringBuilder();
        text.Append("# Event catalogue\n\n")
            .Append("Generated from the code by `./build.sh schema`; a test fails when it drifts. Every event is a past-tense\n")
            .Append("record appended to one stream, stored under the name given for it (`mt_events.type`).\n\n")
            .Append("This is a versioned contract: an event type, once landed, keeps its stored name, its version and its fields.\n")
            .Append("A field may be added (events stored before read it as null or its default). Any other change (a field\n")
            .Append("removed, renamed or retyped; the type renamed) is a new version: a record `{Type}V{n}` stored as\n")
            .Append("`{type}_v{n}`, the older record kept, and an upcaster from it in `EventVersions.Upcasters`, so that events\n")
            .Append("already stored are read as the new version. CatalogueCompatibilityTests fails, and `export-schema` refuses to\n")
            .Append("write this file, when the code breaks an entry below.\n");
        foreach (var area in entries.GroupBy(e => AreaOf(e.Type!)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("\n## ").Append(area.Key).Append('\n');
            foreach (var entry in area)
            {
                text.Append("\n### ").Append(entry.Name).Append("\n\n")
                    .Append(EventVersions.Describe(entry.Type!)).Append("\n\n")
                    .Append(CatalogueCompatibility.StoredAs(entry)).Append('\n');
                if (entry.UpcastTo is { } upcastTo)
                {
                    text.Append(CatalogueCompatibility.ReadAs(upcastTo)).Append('\n');
                }

                text.Append("\n| field | type |\n|---|---|\n");
                foreach (var field in entry.Fields)
                {
                    text.Append("| `").Append(field.Name).Append("` | `").Append(field.Type).Append("` |\n");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>Why the code breaks the catalogue committed in <paramref name="directory"/> (none when there is none yet).</summary>
    public static IReadOnlyList<string> CatalogueProblems(string directory)
    {
        var path = Path.Combine(directory, EventsFile);
        return File.Exists(path)
            ? CatalogueCompatibility.Problems(CatalogueCompatibility.Parse(File.ReadAllText(path)), EventVersions.Entries(Persistence.EventTypes, EventVersions.Upcasters))
            : [];
    }

    private static string AreaOf(Type type)
    {
        var parts = type.Namespace!.Split('.');
        var features = Array.IndexOf(parts, "Features");
        return features >= 0 && features + 1 < parts.Length ? parts[features + 1] : parts[^1];
    }
}
