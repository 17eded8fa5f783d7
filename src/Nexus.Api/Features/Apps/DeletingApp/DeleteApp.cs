using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using OpenIddict.Abstractions;

namespace Nexus.Api.Features.Apps.DeletingApp;

/// <summary>Deletes an app: its client, every grant people gave it and every token it holds go at once.</summary>
public sealed record DeleteApp(Guid AppId, Guid ByUserId);

public static class DeleteAppHandler
{
    // OpenIddict deletes the application with its authorizations and tokens in one transaction; the revocation trigger
    // announces each to every node. That comes first: a crash before the event leaves a listed app that can do nothing
    // and that deleting again finishes.
    public static async Task<Outcome<Guid, NoError>> HandleAsync(DeleteApp command, IDocumentSession session, IOpenIddictApplicationManager applications,
        DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<App>(command.AppId, ct);
        if (stream.Aggregate is not { Deleted: false } app)
        {
            return command.AppId;
        }

        if (await applications.FindByClientIdAsync(app.ClientId, ct) is { } application)
        {
            await applications.DeleteAsync(application, ct);
        }

        stream.AppendOne(new AppDeleted(app.Id, command.ByUserId, now));
        return app.Id;
    }
}

public sealed record DeleteAppInput([property: Id] string AppId);

public sealed class DeleteAppMutation() : Mutation<DeleteAppInput, DeleteApp, Guid>("deleteApp",
    "Deletes an OAuth app: its client id stops working and every grant and token it holds is revoked at once.",
    WorkspaceAccess.Needs<DeleteAppInput>(Role.Admin, (context, input) => WorkspaceApps.WorkspaceOfAsync(context, input.AppId)).FirstPartyOnly(),
    Payload<Guid>.Done,
    (input, caller) => new(GlobalId.TryParse(input.AppId, AppType.TypeName, out var id) ? id : Guid.Empty, caller.UserId));
