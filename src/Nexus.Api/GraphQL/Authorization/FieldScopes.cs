using GraphQL.Builders;
using GraphQL.Types;

namespace Nexus.Api.GraphQL.Authorization;

/// <summary>
/// The app scope a field needs (an <see cref="Infrastructure.Identity.AppScope"/>), declared beside its role. Only
/// tokens issued to third-party apps are limited by it: Nexus's own clients hold the <c>nexus</c> scope, which covers
/// every field. A field declared <see cref="FirstPartyOnly{TSource, TReturn}"/> is never open to an app; one declared
/// <see cref="AnyAppScope{TSource, TReturn}"/> is open to every app. <see cref="ScopeRule"/> enforces the declarations.
/// </summary>
public static class FieldScopes
{
    private const string ScopeKey = "nexus:scope";
    private const string FirstPartyValue = "";
    private const string AnyAppValue = AnyApp;

    /// <summary>Where a scope is named as a value (a node type's), the marker for "any app".</summary>
    public const string AnyApp = "*";

    /// <summary>An app's token needs <paramref name="scope"/> to use this field.</summary>
    public static FieldBuilder<TSource, TReturn> Scope<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field, string scope)
    {
        field.FieldType.Scope(scope);
        return field;
    }

    /// <summary>Only Nexus's own clients (the <c>nexus</c> scope) may use this field, never an app.</summary>
    public static FieldBuilder<TSource, TReturn> FirstPartyOnly<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field)
    {
        field.FieldType.Metadata[ScopeKey] = FirstPartyValue;
        return field;
    }

    /// <summary>
    /// Any app's token may use this field, whatever scopes it holds: for what every app needs to find its way (the
    /// workspace it is bound to, who signed in, the platform catalogue). What the field reaches is limited otherwise:
    /// by the token's workspace binding, or by the scopes its nested fields declare.
    /// </summary>
    public static FieldBuilder<TSource, TReturn> AnyAppScope<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field)
    {
        field.FieldType.Metadata[ScopeKey] = AnyAppValue;
        return field;
    }

    public static void Scope(this FieldType field, string scope)
    {
        if (!Infrastructure.Identity.AppScope.IsKnown(scope))
        {
            throw new ArgumentException($"`{scope}` is not an app scope.", nameof(scope));
        }

        field.Metadata[ScopeKey] = scope;
    }

    /// <summary>Whether the field declared a scope (or <see cref="FirstPartyOnly{TSource, TReturn}"/>).</summary>
    public static bool DeclaresScope(this IFieldType field) => field.HasMetadata(ScopeKey);

    /// <summary>The scope an app needs for the field; null when it is first-party only or declares nothing.</summary>
    public static string? NeededScope(this IFieldType field) =>
        field.GetMetadata(ScopeKey, (string?)null) is { Length: > 0 } scope && scope != AnyAppValue ? scope : null;

    /// <summary>Whether any app's token may use the field (see <see cref="AnyAppScope{TSource, TReturn}"/>).</summary>
    public static bool IsOpenToAnyApp(this IFieldType field) => field.GetMetadata(ScopeKey, (string?)null) == AnyAppValue;

    public static bool IsFirstPartyOnly(this IFieldType field) => field.GetMetadata(ScopeKey, (string?)null) == FirstPartyValue;
}
