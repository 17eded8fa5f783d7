using System.Reflection;
using Marten;
using Wolverine.Marten;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Infrastructure;

/// <summary>
/// A handler that reads and writes the database does both in one transaction. Without it each read of the session
/// (the stream's version, the aggregate, the documents a decision needs) runs as its own autocommit transaction
/// before the write commits: measured, most of an operation's transactions were such reads. The reads see what they
/// saw before (read committed), and the write still checks the stream's version, so nothing else changes.
/// </summary>
public static class OneTransaction
{
    /// <summary>Wolverine middleware: opens the session's transaction before anything of the handler runs.</summary>
    public static ValueTask BeforeAsync(IDocumentSession session, CancellationToken cancellationToken) =>
        session.BeginTransactionAsync(cancellationToken);

    /// <summary>
    /// The chains it applies to: those whose handler uses the Marten session or loads an aggregate for writing.
    /// A handler marked <see cref="OutsideTheTransactionAttribute"/> (it waits on another machine) is left out,
    /// so no transaction stays open across the network.
    /// </summary>
    public static bool AppliesTo(HandlerChain chain) =>
        chain.Handlers.All(call => call.HandlerType.GetCustomAttribute<OutsideTheTransactionAttribute>() is null)
        && chain.Handlers.Any(call => call.HandlerType.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance)
            .SelectMany(method => method.GetParameters())
            .Any(UsesTheStore));

    private static bool UsesTheStore(ParameterInfo parameter) =>
        parameter.ParameterType == typeof(IDocumentSession)
        || parameter.GetCustomAttribute<WriteAggregateAttribute>() is not null;
}

/// <summary>Keeps <see cref="OneTransaction"/> off a handler that calls another machine while it runs.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class OutsideTheTransactionAttribute : Attribute;
