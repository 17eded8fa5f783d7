using System.Globalization;
using System.Text.RegularExpressions;

namespace Nexus.Api.Features.EventStreams.Versioning;

/// <summary>
/// Holds the code to the committed event catalogue: every version of an event type the catalogue states (events of it
/// may be stored) is still in the code under the same stored name and version, with each of its fields of the same
/// type. Fields may be added; nothing else changes in place. A test runs this against <c>schema/events.md</c>, and
/// <c>export-schema</c> refuses to overwrite the catalogue with a version that breaks it.
/// </summary>
public static partial class CatalogueCompatibility
{
    /// <summary>Why the code breaks the committed catalogue, one line each; empty when it does not.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<CatalogueEntry> committed, IReadOnlyList<CatalogueEntry> code)
    {
        var problems = new List<string>();
        foreach (var old in committed)
        {
            // A catalogue written before it stated stored names is matched by type name.
            var now = old.StoredName.Length > 0 ? code.FirstOrDefault(c => c.StoredName == old.StoredName) : code.FirstOrDefault(c => c.Name == old.Name);
            if (now is null)
            {
                problems.Add($"{old.Name} (stored as `{old.StoredName}`) is gone, but events of it may be stored: keep the record, " +
                    $"or add {old.Name}V{old.Version + 1} with an upcaster from it (EventVersions.Upcasters).");
                continue;
            }

            if (now.Version != old.Version)
            {
                problems.Add($"`{old.StoredName}` was version {old.Version} and is now {now.Version}: a new version is a new record with a stored name of its own.");
            }

            foreach (var field in old.Fields)
            {
                var kept = now.Fields.FirstOrDefault(f => f.Name == field.Name);
                if (kept is null)
                {
                    problems.Add($"{old.Name}.{field.Name} was removed or renamed: keep it, or add {BaseName(old.Name)}V{old.Version + 1} with an upcaster.");
                }
                else if (kept.Type != field.Type)
                {
                    problems.Add($"{old.Name}.{field.Name} changed from {field.Type} to {kept.Type}: keep it, or add {BaseName(old.Name)}V{old.Version + 1} with an upcaster.");
                }
            }
        }

        return problems;
    }

    /// <summary>The entries of a catalogue written by <c>SchemaExport.EventCatalogue</c>.</summary>
    public static IReadOnlyList<CatalogueEntry> Parse(string markdown)
    {
        var entries = new List<CatalogueEntry>();
        string? name = null, stored = null, upcastTo = null;
        var version = 1;
        var fields = new List<CatalogueField>();

        void Flush()
        {
            if (name is not null)
            {
                entries.Add(new CatalogueEntry(null, name, stored ?? "", version, upcastTo, [.. fields]));
            }

            (name, stored, upcastTo, version, fields) = (null, null, null, 1, []);
        }

        foreach (var line in markdown.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                Flush();
                name = line[4..].Trim();
            }
            else if (name is null)
            {
                continue;
            }
            else if (StoredLine().Match(line) is { Success: true } s)
            {
                (stored, version) = (s.Groups[1].Value, int.Parse(s.Groups[2].Value, CultureInfo.InvariantCulture));
            }
            else if (UpcastLine().Match(line) is { Success: true } u)
            {
                upcastTo = u.Groups[1].Value;
            }
            else if (FieldRow().Match(line) is { Success: true } f)
            {
                fields.Add(new CatalogueField(f.Groups[1].Value, f.Groups[2].Value));
            }
        }

        Flush();
        return entries;
    }

    /// <summary>The line under an entry's description: its stored name and version.</summary>
    public static string StoredAs(CatalogueEntry entry) => $"Stored as `{entry.StoredName}`, version {entry.Version}.";

    /// <summary>The line of an older version: the record it is read as.</summary>
    public static string ReadAs(string upcastTo) => $"Read as `{upcastTo}` through an upcaster.";

    private static string BaseName(string name) => Regex.Replace(name, "V[0-9]+$", "");

    [GeneratedRegex("^Stored as `([^`]+)`, version ([0-9]+)\\.$")]
    private static partial Regex StoredLine();

    [GeneratedRegex("^Read as `([^`]+)` through an upcaster\\.$")]
    private static partial Regex UpcastLine();

    [GeneratedRegex("^\\| `([^`]+)` \\| `([^`]+)` \\|$")]
    private static partial Regex FieldRow();
}
