using System.Globalization;
using GraphQL.Types;

namespace Nexus.Api.Platforms;

/// <summary>
/// <c>PostOptionsInput</c>: one field per platform that has options, each an input type generated from that platform's
/// <see cref="PlatformOptionSchema"/> (its descriptor's), so every option a publisher reads can be set by a client and
/// nothing else can. Options are stored flattened as strings under the same keys, exactly as
/// <see cref="PublishRequest.Options"/> takes them.
/// </summary>
public sealed class PostOptionsInputType : InputObjectGraphType
{
    public PostOptionsInputType()
    {
        Name = "PostOptionsInput";
        Description = "A target's platform settings: fill in the object of the target's platform.";
        foreach (var schema in PlatformDescriptors.OptionSchemas)
        {
            var type = new InputObjectGraphType { Name = schema.TypeName, Description = schema.Description };
            foreach (var option in schema.Options)
            {
                type.AddField(new FieldType { Name = option.Key, Type = option.GraphType, Description = option.Description });
            }

            Field(schema.Field, type).Description(schema.Description);
        }
    }

    /// <summary>The field of <c>PostOptionsInput</c> that holds a platform's options (null when it has none).</summary>
    public static string? FieldOf(PlatformId platform) => PlatformDescriptors.Find(platform)?.Options?.Field;

    /// <summary>The platforms options were given for (one, when used right) and the options as strings (lists comma-joined).</summary>
    public static (IReadOnlyList<PlatformId> Platforms, IReadOnlyDictionary<string, string> Options) Flatten(Dictionary<string, object?>? input)
    {
        var given = input?.Where(p => p.Value is not null).ToList() ?? [];
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in given.SelectMany(p => (IEnumerable<KeyValuePair<string, object?>>)(Dictionary<string, object?>)p.Value!))
        {
            var text = value switch
            {
                null => null,
                bool b => b ? "true" : "false",
                IEnumerable<object> list => string.Join(',', list),
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            if (text is not null)
            {
                options[key] = text;
            }
        }

        return ([.. given.Select(g => PlatformDescriptors.OptionSchemas.First(s => s.Field == g.Key).Platform)], options);
    }
}
