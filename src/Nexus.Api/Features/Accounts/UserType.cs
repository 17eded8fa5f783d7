using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Apps;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;

namespace Nexus.Api.Features.Accounts;

/// <summary><c>User</c>: a person's account, as that person sees it.</summary>
public sealed class UserType : ObjectGraphType<User>
{
    public UserType()
    {
        Name = "User";
        Description = "A person's account.";
        this.NodeId(user => user.Id);
        // A post's author and a member are users too: an app would read the team's addresses through them. An app that
        // needs the person's email asks OpenID Connect for it (the `email` scope, /connect/userinfo).
        Field(user => user.Email).Description("The sign-in email, normalised to lower case.").FirstPartyOnly();
        Field(user => user.DisplayName).Description("The name shown to teammates.");
        Field(user => user.EmailVerified).Description("Whether the user proved they own the email.");
        Field(user => user.AvatarUrl, nullable: true).Description("An https:// image URL.");
        Field(user => user.Bio, nullable: true);
        Field<TimeZoneScalar, TimeZoneInfo>("timeZone")
            .Description("The user's own time zone, when set.")
            .Resolve(ctx => ctx.Source.TimeZone is { } zone ? TimeZoneInfo.FindSystemTimeZoneById(zone) : null);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt")
            .Description("When the account was created.")
            .Resolve(ctx => ctx.Source.RegisteredAt);
        Field<NonNullGraphType<global::GraphQL.Types.Relay.ConnectionType<Workspaces.WorkspaceType, global::GraphQL.Types.Relay.EdgeType<Workspaces.WorkspaceType>>>, object>("workspaces")
            .Description("The workspaces this user belongs to, oldest first. Only for the user themselves.")
            .Paged()
            .ResolveAsync(async ctx => ctx.UserId() == ctx.Source.Id
                ? await Workspaces.MyWorkspaces.PageAsync(ctx.Source.Id, ctx.GetPageRequest(), ctx.RequestServices!.GetRequiredService<IQuerySession>(), ctx.CancellationToken,
                    only: ctx.User.BoundWorkspace())
                : throw new Nexus.Api.GraphQL.Errors.ForbiddenError("Only the user can see their workspaces."));
    }
}

/// <summary>A user is visible through <c>node(id)</c> only to that user.</summary>
public sealed class UserNodeResolver : INodeResolver
{
    public string TypeName => "User";

    public string? Scope => FieldScopes.AnyApp;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        context.UserId() != id ? ((User?)null).AsLoaded() : context.Load(UserLoaders.ById, id);
}

/// <summary>Users by id, for the resolvers that show one (a post's author, a member).</summary>
public static class UserLoaders
{
    public static readonly BatchLoader<Guid, User> ById = BatchLoader.ById<User>(u => u.Id);
}
