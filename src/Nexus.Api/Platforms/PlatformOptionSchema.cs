using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using GraphQL.Types;

namespace Nexus.Api.Platforms;

/// <summary>The kind of value an option takes: its GraphQL input type; stored, every kind is text.</summary>
public enum PlatformOptionKind
{
    /// <summary>Free text or one of the platform's names (<c>String</c>).</summary>
    String,

    /// <summary><c>true</c> / <c>false</c> (<c>Boolean</c>).</summary>
    Boolean,

    /// <summary>A whole number (<c>Int</c>).</summary>
    Int,

    /// <summary>A list of strings (<c>[String!]</c>), stored comma-joined.</summary>
    StringList,
}

/// <summary>
/// One option a platform's publisher reads from <see cref="PublishRequest.Options"/>. Options exist only as members of a
/// <see cref="PlatformOptionSchema"/>, and publishers and rules read them only through these accessors, so a key that a
/// client cannot set (because the schema, which generates the GraphQL input, lacks it) cannot be read.
/// </summary>
public abstract class PlatformOption
{
    private protected PlatformOption(string key, PlatformOptionKind kind, string description)
    {
        Key = key;
        Kind = kind;
        Description = description;
    }

    /// <summary>The key: the GraphQL input field and the stored key alike (camelCase).</summary>
    public string Key { get; }

    public PlatformOptionKind Kind { get; }

    /// <summary>The GraphQL field's description.</summary>
    public string Description { get; }

    /// <summary>The GraphQL input type of the option's field.</summary>
    public Type GraphType => Kind switch
    {
        PlatformOptionKind.Boolean => typeof(BooleanGraphType),
        PlatformOptionKind.Int => typeof(IntGraphType),
        PlatformOptionKind.StringList => typeof(ListGraphType<NonNullGraphType<StringGraphType>>),
        _ => typeof(StringGraphType),
    };

    /// <summary>The stored text of the option, when it was given.</summary>
    public bool TryGet(IReadOnlyDictionary<string, string> options, [NotNullWhen(true)] out string? value) => options.TryGetValue(Key, out value);

    /// <inheritdoc cref="TryGet(IReadOnlyDictionary{string, string}, out string?)"/>
    public bool TryGet(PublishRequest request, [NotNullWhen(true)] out string? value) => TryGet(request.Options, out value);

    /// <summary>Whether the option was given at all.</summary>
    public bool IsSet(PublishRequest request) => request.Options.ContainsKey(Key);

    /// <summary>The stored text, or <paramref name="fallback"/> when the option was not given.</summary>
    [return: NotNullIfNotNull(nameof(fallback))]
    public string? Get(PublishRequest request, string? fallback = null) => TryGet(request, out var value) ? value : fallback;

    /// <summary>The stored text, trimmed; null when not given or blank.</summary>
    public string? Text(PublishRequest request) => TryGet(request, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>The stored text of an option the rules have already required.</summary>
    public string Required(PublishRequest request) =>
        TryGet(request, out var value) ? value : throw new KeyNotFoundException($"The option {Key} was not given.");

    // Lets an option stand where its key is wanted (dictionary keys in tests, violation fields).
    public static implicit operator string(PlatformOption option) => option.Key;

    public override string ToString() => Key;
}

/// <summary>A text option.</summary>
public sealed class StringOption : PlatformOption
{
    internal StringOption(string key, string description) : base(key, PlatformOptionKind.String, description)
    {
    }
}

/// <summary>A true/false option.</summary>
public sealed class BooleanOption : PlatformOption
{
    internal BooleanOption(string key, string description) : base(key, PlatformOptionKind.Boolean, description)
    {
    }

    /// <summary>Whether the option was given as <c>true</c>.</summary>
    public bool IsTrue(PublishRequest request) => TryGet(request, out var value) && bool.TryParse(value, out var flag) && flag;
}

/// <summary>A whole-number option.</summary>
public sealed class IntOption : PlatformOption
{
    internal IntOption(string key, string description) : base(key, PlatformOptionKind.Int, description)
    {
    }
}

/// <summary>A list option, stored comma-joined.</summary>
public sealed class StringListOption : PlatformOption
{
    internal StringListOption(string key, string description) : base(key, PlatformOptionKind.StringList, description)
    {
    }

    /// <summary>The items given, trimmed, empty ones dropped; null when the option was not given.</summary>
    public IReadOnlyList<string>? Items(PublishRequest request) =>
        TryGet(request, out var value) ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
}

/// <summary>
/// A platform's options: the single declaration from which its GraphQL input (<c>{Platform}OptionsInput</c>, a field of
/// <c>PostOptionsInput</c>) is generated and through whose members its publisher and rules read them. Keys are camelCase
/// and are stored exactly as the GraphQL field is named.
/// </summary>
/// <param name="platform">The platform.</param>
/// <param name="field">The field of <c>PostOptionsInput</c> holding these options (<c>tiktok</c>).</param>
/// <param name="typeName">The generated input type's name (<c>TikTokOptionsInput</c>).</param>
/// <param name="description">The input type's and the field's description.</param>
public sealed partial class PlatformOptionSchema(PlatformId platform, string field, string typeName, string description)
{
    private readonly List<PlatformOption> _options = [];

    public PlatformId Platform { get; } = platform;

    public string Field { get; } = field;

    public string TypeName { get; } = typeName;

    public string Description { get; } = description;

    public IReadOnlyList<PlatformOption> Options => _options;

    public StringOption String(string key, string description) => Add(new StringOption(key, description));

    public BooleanOption Boolean(string key, string description) => Add(new BooleanOption(key, description));

    public IntOption Int(string key, string description) => Add(new IntOption(key, description));

    public StringListOption StringList(string key, string description) => Add(new StringListOption(key, description));

    /// <summary>
    /// Options given that this platform does not have (stored before an option was dropped): refused, so nothing a
    /// publisher ignores passes preflight silently.
    /// </summary>
    public IEnumerable<RuleViolation> Undeclared(PublishRequest post) =>
        post.Options.Keys.Where(key => Find(key) is null).Order(StringComparer.Ordinal)
            .Select(key => new RuleViolation($"options.{key}", $"{PlatformCatalogue.Get(Platform).Name} has no option {key}."));

    /// <summary>The option with this key, or null.</summary>
    public PlatformOption? Find(string key) => _options.Find(o => o.Key == key);

    private T Add<T>(T option) where T : PlatformOption
    {
        if (!CamelCase().IsMatch(option.Key))
        {
            throw new ArgumentException($"Option keys are camelCase; {Platform} declares '{option.Key}'.", nameof(option));
        }

        if (Find(option.Key) is not null)
        {
            throw new ArgumentException($"{Platform} declares the option '{option.Key}' twice.", nameof(option));
        }

        _options.Add(option);
        return option;
    }

    [GeneratedRegex("^[a-z][a-zA-Z0-9]*$")]
    private static partial Regex CamelCase();
}
