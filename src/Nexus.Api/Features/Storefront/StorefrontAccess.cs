using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;

namespace Nexus.Api.Features.Storefront;

/// <summary>
/// Who may act on a storefront document a mutation's input names by its global id (a product, an order): a member of
/// the document's workspace with the role. One rule for every such document, so a product and an order cannot come to
/// answer an outsider differently.
/// </summary>
/// <param name="typeName">The document's global id type.</param>
/// <param name="idOfInput">The id the generated input names (null when the input is of another kind).</param>
/// <param name="workspaceOf">The document's workspace.</param>
public sealed class StorefrontAccess<TDoc>(string typeName, Func<object?, string?> idOfInput, Func<TDoc, Guid> workspaceOf)
    where TDoc : notnull
{
    public Access Needs(Role role) => Access.Rule(field => field.RequireWorkspaceRole(role, ctx => WorkspaceOfAsync(ctx, IdOfInput(ctx))));

    /// <summary>The document the input names; <see cref="Guid.Empty"/> when it names none (the access check has refused it by then).</summary>
    public Guid IdOf(Caller caller) => GlobalId.TryParse(IdOfInput(caller.Context), typeName, out var id) ? id : Guid.Empty;

    /// <summary>
    /// The workspace of the document. An unknown one has none (the empty id), so the check answers as for another
    /// workspace's: FORBIDDEN, never a hint that the id exists.
    /// </summary>
    public async ValueTask<Guid> WorkspaceOfAsync(IResolveFieldContext context, string? globalId) =>
        !GlobalId.TryParse(globalId, typeName, out var id)
            ? throw new BadRequestError($"The {typeName.ToLowerInvariant()} id is not valid.")
            : await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<TDoc>(id, context.CancellationToken) is { } doc ? workspaceOf(doc) : Guid.Empty;

    /// <summary>A payload field answering the document as it now is, after a failure too (read by the input's id then).</summary>
    public Payload<Guid> Answer<TGraphType>(string field, string description)
        where TGraphType : IGraphType =>
        Nexus.Api.GraphQL.Payload<Guid>.Always<TGraphType>(field, description, async (context, id) =>
        {
            var docId = id != Guid.Empty ? id : IdOf(new Caller(context));
            return docId == Guid.Empty ? null : await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<TDoc>(docId, context.CancellationToken);
        });

    private string? IdOfInput(IResolveFieldContext context) => idOfInput(context.Arguments?["input"].Value);
}
