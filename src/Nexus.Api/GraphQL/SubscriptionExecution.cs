using GraphQL;
using GraphQL.Execution;
using GraphQL.MicrosoftDI;
using Nexus.Api.GraphQL.Errors;
using ExecutionContext = GraphQL.Execution.ExecutionContext;

namespace Nexus.Api.GraphQL;

/// <summary>
/// Runs subscriptions. A subscription root field's resolver middleware (its access checks, such as
/// <c>RequireWorkspaceRole</c>) runs once when subscribing, with no event, and again for every event, so a check
/// declared once holds for the whole life of the subscription: refused when subscribing, the operation answers with
/// errors and never starts; refused on an event, the stream ends with that error (a member removed from a workspace
/// stops receiving its events).
/// </summary>
/// <remarks>
/// Events are resolved in a service scope each (<see cref="ScopedSubscriptionExecutionStrategy"/>): a subscription
/// lives for hours, its events arrive concurrently, and a Marten session must be neither long-lived nor shared.
/// </remarks>
public sealed class NexusSubscriptionExecutionStrategy(IServiceScopeFactory scopes)
    : ScopedSubscriptionExecutionStrategy(scopes, new SerialExecutionStrategy())
{
    protected override async Task<IObservable<ExecutionResult>?> ResolveResponseStreamAsync(ExecutionContext context, ExecutionNode node)
    {
        if (node.FieldDefinition.Resolver is { } resolver)
        {
            try
            {
                await resolver.ResolveAsync(new ReadonlyResolveFieldContext(node, context));
            }
            catch (ExecutionError error)
            {
                error.Path = node.ResponsePath;
                error.AddLocation(node.Field, context.Document);
                context.Errors.Add(error);
                return null;
            }
        }

        return await base.ResolveResponseStreamAsync(context, node);
    }

    protected override ExecutionContext CloneExecutionContext(ExecutionContext context, CancellationToken token)
    {
        var clone = base.CloneExecutionContext(context, token);
        // What one event's checks remember (the workspace they loaded) must not leak into another event.
        clone.UserContext = new Dictionary<string, object?>(context.UserContext);
        return clone;
    }

    protected override async ValueTask<ExecutionResult> ProcessDataAsync(ExecutionContext context, ExecutionNode node, object? value)
    {
        var result = await base.ProcessDataAsync(context, node, value);

        // Thrown, the error reaches the subscriber through OnError: the transport ends the operation with it.
        if (result.Errors?.FirstOrDefault(e => e is ForbiddenError || e.Code == ErrorCodes.Unauthenticated) is { } refused)
        {
            throw refused;
        }

        return result;
    }
}
