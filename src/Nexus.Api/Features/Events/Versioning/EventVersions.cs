using System.ComponentModel;
using System.Text.RegularExpressions;
using JasperFx.Events;
using Marten;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.EventStreams.Versioning;

/// <summary>
/// Turns a stored event of an older version of a type into the newer version every projection and handler reads.
/// The older record stays in the code (not as an <see cref="IDomainEvent"/>: nothing appends it any more) so that
/// what is in the store can still be read and the catalogue can still describe it.
/// </summary>
public interface IEventUpcaster
{
    /// <summary>The older version's record, as events of it are stored.</summary>
    Type From { get; }

    /// <summary>The newer version's record, an <see cref="IDomainEvent"/>.</summary>
    Type To { get; }

    void Register(StoreOptions options);
}

/// <summary>An upcaster from <typeparamref name="TOld"/> (read under its stored name) to <typeparamref name="TNew"/>.</summary>
public sealed class Upcaster<TOld, TNew>(Func<TOld, TNew> upcast) : IEventUpcaster
    where TOld : class
    where TNew : class, IDomainEvent
{
    public Type From => typeof(TOld);

    public Type To => typeof(TNew);

    public TNew Upcast(TOld old) => upcast(old);

    public void Register(StoreOptions options) => options.Events.Upcast(EventVersions.StoredName(typeof(TOld)), upcast);
}

/// <summary>
/// The versioning rule of the event catalogue (<c>schema/events.md</c>): an event type, once landed, keeps its stored
/// name and its fields. A change that is not an added field (a field removed, renamed or retyped; the type renamed)
/// is a new version: a new record named <c>{Type}V{n}</c> (stored as <c>{type}_v{n}</c>), the older record kept, and an
/// <see cref="Upcaster{TOld, TNew}"/> listed in <see cref="Upcasters"/>, so that events already stored are read as the
/// new version. <c>CatalogueCompatibility</c> holds the code to that rule against the committed catalogue.
/// </summary>
public static partial class EventVersions
{
    /// <summary>
    /// Every upcaster from an older version of an event type to its newer one. None yet: no landed event type has
    /// needed an incompatible change.
    /// </summary>
    public static IReadOnlyList<IEventUpcaster> Upcasters { get; } = [];

    /// <summary>The name Marten stores events of <paramref name="type"/> under (<c>mt_events.type</c>): its name in snake case.</summary>
    public static string StoredName(Type type) => type.GetEventTypeName();

    /// <summary>1, or <c>n</c> for a record named <c>…V{n}</c>.</summary>
    public static int VersionOf(Type type) => VersionSuffix().Match(type.Name) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;

    /// <summary>The type's name without its version suffix: what every version of it is called.</summary>
    public static string BaseName(Type type) => VersionSuffix().Replace(type.Name, "");

    /// <summary>What the catalogue lists: every event type appended today, and every older version still read through an upcaster.</summary>
    public static IReadOnlyList<CatalogueEntry> Entries(IReadOnlyList<Type> eventTypes, IReadOnlyList<IEventUpcaster> upcasters) =>
        [.. eventTypes.Select(t => Entry(t, null)).Concat(upcasters.Select(u => Entry(u.From, u.To)))];

    private static CatalogueEntry Entry(Type type, Type? upcastTo) =>
        new(type, type.Name, StoredName(type), VersionOf(type), upcastTo?.Name,
            [.. type.GetProperties().Select(p => new CatalogueField(p.Name, TypeName(p.PropertyType)))]);

    public static string Describe(Type type) =>
        type.GetCustomAttributes(typeof(DescriptionAttribute), false) is [DescriptionAttribute d, ..] ? d.Description : "(no description)";

    public static string TypeName(Type type)
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

    [GeneratedRegex("V([0-9]+)$")]
    private static partial Regex VersionSuffix();
}

/// <summary>One version of an event type as the catalogue states it.</summary>
public sealed record CatalogueEntry(Type? Type, string Name, string StoredName, int Version, string? UpcastTo, IReadOnlyList<CatalogueField> Fields);

public sealed record CatalogueField(string Name, string Type);

/// <summary>Registers the upcasters with Marten, beside each area's event types.</summary>
public sealed class VersioningMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        foreach (var upcaster in EventVersions.Upcasters)
        {
            upcaster.Register(options);
        }
    }
}
