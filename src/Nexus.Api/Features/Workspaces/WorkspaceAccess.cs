using System.Security.Claims;
using GraphQL;
using GraphQL.Builders;
using Marten;
using Nexus.Api.Features.Apps;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Workspaces;

/// <summary>
/// The one place that decides who may touch a workspace. A field declares the least role it needs and how to
/// find the workspace; the check runs before its resolver. Outsiders, unknown workspaces and members below the
/// role all get a top-level <c>FORBIDDEN</c> error, so the answer never reveals whether a workspace exists.
/// </summary>
public static class WorkspaceAccess
{
    /// <summary>Field metadata: the least <see cref="Role"/> the field needs (read by the authorization matrix test).</summary>
    public const string MinimumRoleKey = "nexus:workspaceRole";

    /// <summary>The resolver runs only for members of the workspace with at least <paramref name="minimum"/>.</summary>
    public static FieldBuilder<TSource, TReturn> RequireWorkspaceRole<TSource, TReturn>(
        this FieldBuilder<TSource, TReturn> field, Role minimum, Func<IResolveFieldContext, Guid> workspaceIdOf)
    {
        field.FieldType.Metadata[MinimumRoleKey] = minimum;
        return field.ApplyMiddleware(next => async context =>
        {
            await DemandAsync(context, workspaceIdOf(context), minimum);
            return await next(context);
        });
    }

    /// <summary>As above, for fields whose workspace must be looked up (from a connection, a pending choice...).</summary>
    public static FieldBuilder<TSource, TReturn> RequireWorkspaceRole<TSource, TReturn>(
        this FieldBuilder<TSource, TReturn> field, Role minimum, Func<IResolveFieldContext, ValueTask<Guid>> workspaceIdOf)
    {
        field.FieldType.Metadata[MinimumRoleKey] = minimum;
        return field.ApplyMiddleware(next => async context =>
        {
            await DemandAsync(context, await workspaceIdOf(context), minimum);
            return await next(context);
        });
    }

    /// <summary>
    /// A generated mutation's access (see <see cref="Mutation{TInput, TCommand, TResult}"/>): the caller needs at least
    /// <paramref name="minimum"/> in the workspace its input names (the input implements <see cref="IWorkspaceInput"/>).
    /// </summary>
    public static Access Needs(Role minimum) => Access.Rule(field => field.RequireWorkspaceRole(minimum, context => context.InputWorkspaceId()));

    /// <summary>As above, for inputs whose workspace must be looked up (from a connection, a pending choice, a post...).</summary>
    public static Access Needs<TInput>(Role minimum, Func<IResolveFieldContext, TInput, ValueTask<Guid>> workspaceOf) =>
        Access.Rule(field => field.RequireWorkspaceRole(minimum, context => workspaceOf(context, context.GetArgument<TInput>("input"))));

    /// <summary>The workspace named by a generated mutation's input (see <see cref="Needs(Role)"/>).</summary>
    public static Guid WorkspaceId(this Caller caller) => caller.Context.InputWorkspaceId();

    /// <summary>
    /// As above, for fields on a document that names its workspace in <paramref name="workspaceProperty"/> (a post):
    /// the document's workspace is read with one query, not the document and then its workspace. When there is no
    /// such document, <paramref name="fallback"/> says which workspace decides (e.g. a discarded post's).
    /// </summary>
    public static FieldBuilder<TSource, TReturn> RequireWorkspaceRoleOf<TDocument, TSource, TReturn>(
        this FieldBuilder<TSource, TReturn> field, Role minimum, string workspaceProperty, Func<IResolveFieldContext, Guid> documentIdOf,
        Func<IResolveFieldContext, ValueTask<Guid>> fallback)
    {
        field.FieldType.Metadata[MinimumRoleKey] = minimum;
        var where = $"where id = (select (o.data ->> '{workspaceProperty}')::uuid from {Persistence.SchemaName}.mt_doc_{typeof(TDocument).Name.ToLowerInvariant()} as o where o.id = ?)";
        return field.ApplyMiddleware(next => async context =>
        {
            var documentId = documentIdOf(context);
            var session = context.RequestServices!.GetRequiredService<IQuerySession>();
            if ((await session.QueryAsync<Workspace>(where, context.CancellationToken, documentId)) is [var workspace])
            {
                Demand(context, workspace, minimum);
            }
            else
            {
                await DemandAsync(context, await fallback(context), minimum);
            }

            return await next(context);
        });
    }

    /// <summary>Reads a workspace id argument (a global id) or fails with <c>BAD_REQUEST</c>.</summary>
    public static Guid WorkspaceIdArgument(this IResolveFieldContext context, string argument = "id") =>
        ParseWorkspaceId(context.GetArgument<string>(argument));

    /// <summary>Reads <c>input.workspaceId</c> (a global id) or fails with <c>BAD_REQUEST</c>.</summary>
    public static Guid InputWorkspaceId(this IResolveFieldContext context) =>
        ParseWorkspaceId((context.Arguments?["input"].Value as IWorkspaceInput)?.WorkspaceId);

    public static Guid ParseWorkspaceId(string? value) =>
        GlobalId.TryParse(value, WorkspaceType.TypeName, out var id) ? id : throw new BadRequestError("The workspace id is not valid.");

    /// <summary>The workspace the access check loaded for this request.</summary>
    public static Workspace Checked(this IResolveFieldContext context, Guid workspaceId) =>
        context.UserContext.TryGetValue(Key(workspaceId), out var loaded) && loaded is Workspace workspace
            ? workspace
            : throw new InvalidOperationException("The field has no workspace access check.");

    private static async Task DemandAsync(IResolveFieldContext context, Guid workspaceId, Role minimum)
    {
        // In a query, nested fields (members, activity, connections) check the workspace their parent already loaded.
        // Never in a mutation: an earlier mutation of the same document may have changed who is a member.
        var reuse = context.Operation.Operation == GraphQLParser.AST.OperationType.Query;
        var workspace = reuse && context.UserContext.TryGetValue(Key(workspaceId), out var loaded) && loaded is Workspace cached
            ? cached
            : await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Workspace>(workspaceId, context.CancellationToken);
        Demand(context, workspace, minimum);
    }

    /// <summary>
    /// The role <paramref name="caller"/> holds in <paramref name="workspace"/> for every access check; null when none
    /// (no such workspace, not a member). An app's token reaches only the workspace it is bound to: there a person's
    /// app token holds the person's role, and an app acting alone holds ADMIN (never OWNER); its scopes limit both
    /// further, field by field (see <c>ScopeRule</c>).
    /// </summary>
    public static Role? RoleOf(this Workspace? workspace, ClaimsPrincipal? caller)
    {
        if (workspace is null)
        {
            return null;
        }

        if (caller.IsApp())
        {
            if (caller.BoundWorkspace() != workspace.Id)
            {
                return null;
            }

            if (caller.ActsAlone())
            {
                return Role.Admin;
            }
        }

        return workspace.RoleOf(caller.UserId());
    }

    private static void Demand(IResolveFieldContext context, Workspace? workspace, Role minimum)
    {
        var role = workspace.RoleOf(context.User);
        if (role is null)
        {
            throw new ForbiddenError("This workspace does not exist or you are not a member of it.");
        }

        if (role < minimum)
        {
            throw new ForbiddenError($"This needs the {minimum.ToString().ToUpperInvariant()} role in the workspace; you are {role.Value.ToString().ToUpperInvariant()}.");
        }

        context.UserContext[Key(workspace!.Id)] = workspace;
    }

    private static string Key(Guid workspaceId) => "nexus:workspace:" + workspaceId.ToString("N");
}

/// <summary>A mutation input that names a workspace by its global id (declare it <c>[property: Id] string WorkspaceId</c>).</summary>
public interface IWorkspaceInput
{
    string WorkspaceId { get; }
}
