using System.Reflection;
using GraphQL.Types;

namespace Nexus.Api.GraphQL;

/// <summary>
/// Adds fields to a type another area owns: Posts contributes <c>Workspace.posts</c>, Connections
/// <c>Workspace.connections</c>, so the owning type names none of their slices. The owning type calls
/// <see cref="TypeExtensionRegistry.Extend{TType}"/> at the end of its constructor; the registry finds the extensions.
/// </summary>
/// <typeparam name="TType">The graph type extended, e.g. <c>WorkspaceType</c>.</typeparam>
public interface ITypeExtension<in TType> where TType : IComplexGraphType
{
    /// <summary>Adds this area's fields to <paramref name="type"/>.</summary>
    void Extend(TType type);
}

/// <summary>Finds the <see cref="ITypeExtension{TType}"/>s of an assembly and applies them in a stable order.</summary>
public sealed class TypeExtensionRegistry(IEnumerable<Type> extensions)
{
    private readonly Type[] _extensions = [.. extensions.OrderBy(t => t.FullName, StringComparer.Ordinal)];

    public static TypeExtensionRegistry FromAssembly(Assembly assembly) =>
        new(assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } &&
            t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITypeExtension<>))));

    /// <summary>Adds every extension's fields to <paramref name="type"/>.</summary>
    public void Extend<TType>(TType type) where TType : IComplexGraphType
    {
        foreach (var extension in _extensions.Where(typeof(ITypeExtension<TType>).IsAssignableFrom))
        {
            ((ITypeExtension<TType>)Activator.CreateInstance(extension)!).Extend(type);
        }
    }
}
