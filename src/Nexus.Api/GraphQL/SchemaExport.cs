using System.Text;
using GraphQL;
using GraphQL.Utilities;
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

    public static string EventCatalogue()
    {
        var text = new StringBuilder();
        text.Append("# Event catalogue\n\n")
            .Append("Generated from the code by `./build.sh schema`; a test fails when it drifts. Every event is a past-tense\n")
            .Append("record appended to one stream; an event type, once landed, never changes incompatibly.\n");
        foreach (var area in Persistence.EventTypes.GroupBy(AreaOf).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("\n## ").Append(area.Key).Append('\n');
            foreach (var type in area)
            {
                text.Append("\n### ").Append(type.Name).Append("\n\n")
                    .Append(Describe(type)).Append("\n\n")
                    .Append("| field | type |\n|---|---|\n");
                foreach (var property in type.GetProperties().Where(p => p.DeclaringType == type || p.DeclaringType!.IsAssignableFrom(type)))
                {
                    text.Append("| `").Append(property.Name).Append("` | `").Append(TypeName(property.PropertyType)).Append("` |\n");
                }
            }
        }

        return text.ToString();
    }

    private static string AreaOf(Type type)
    {
        var parts = type.Namespace!.Split('.');
        var features = Array.IndexOf(parts, "Features");
        return features >= 0 && features + 1 < parts.Length ? parts[features + 1] : parts[^1];
    }

    private static string Describe(Type type) =>
        type.GetCustomAttributes(typeof(System.ComponentModel.DescriptionAttribute), false) is [System.ComponentModel.DescriptionAttribute d, ..]
            ? d.Description
            : "(no description)";

    private static string TypeName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return TypeName(inner) + "?";
        }

        if (type.IsGenericType)
        {
            var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
            return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>";
        }

        return type.Name;
    }
}
