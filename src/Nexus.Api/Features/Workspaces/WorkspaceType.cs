using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using GraphQL.Types.Relay;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Marten.Linq.MatchesSql;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.EventStreams.TimeTravel;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;

namespace Nexus.Api.Features.Workspaces;

/// <summary>
/// <c>Workspace</c>: a team's shared space. Reaching one at all requires membership (see <see cref="WorkspaceAccess"/>).
/// Other areas add their fields (posts, connections) as <see cref="ITypeExtension{TType}"/>s of this type.
/// </summary>
public sealed class WorkspaceType : ObjectGraphType<Workspace>
{
    public const string TypeName = "Workspace";

    public WorkspaceType(TypeExtensionRegistry extensions)
    {
        Name = TypeName;
        Description = "A team's shared space: members, connected accounts, posts.";
        this.NodeId(w => w.Id);
        Field(w => w.Name);
        Field<NonNullGraphType<TimeZoneScalar>, TimeZoneInfo>("timeZone")
            .Description("The IANA time zone posts are scheduled and shown in.")
            .Resolve(ctx => TimeZoneInfo.FindSystemTimeZoneById(ctx.Source.TimeZone));
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
        Field(w => w.Version).Description("The stream version; send it back as `expectedVersion` where a mutation takes one.");
        Field<NonNullGraphType<RoleType>, Role>("myRole")
            .Description("The caller's role here.")
            .Resolve(ctx => AsOf.Now(ctx, ctx.Source).RoleOf(ctx.User) ?? throw new InvalidOperationException("Caller is not a member."));
        Field<NonNullGraphType<ConnectionType<MemberType, EdgeType<MemberType>>>, object>("members")
            .Description("Everyone in the workspace, owner first.")
            .Paged()
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .Resolve(ctx => Members(ctx.Source, ctx.GetPageRequest(), ctx));
        Field<NonNullGraphType<ConnectionType<InvitationType, EdgeType<InvitationType>>>, object>("invitations")
            .Description("Invitations not yet accepted, soonest to expire first. Admins only.")
            .Paged()
            .RequireWorkspaceRole(Role.Admin, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .Resolve(ctx => InvitationsPage(ctx.Source, ctx.GetPageRequest()));
        Field<NonNullGraphType<ConnectionType<ActivityEntryType, EdgeType<ActivityEntryType>>>, object>("activity")
            .Description("Who did what and when, newest first, from the workspace's events.")
            .Paged()
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .Scope(AppScope.EventsRead)
            .ResolveAsync(async ctx => await ActivityFeed.PageAsync(ctx.Source.Id, ctx.GetPageRequest(), ctx));
        extensions.Extend(this);
    }

    private static IDataLoaderResult<Connection<Member>> Members(Workspace workspace, PageRequest page, IResolveFieldContext context)
    {
        // Owner first, then by role, then by id. The cursor holds the last member's role and id and the next page
        // starts after them (not at a position), so members who join or leave in between shift nothing.
        var ordered = workspace.Members.OrderByDescending(m => m.Value).ThenBy(m => m.Key).ToList();
        var after = ordered.AsEnumerable();
        if (page.After("members", 2) is [var rolePart, var idPart])
        {
            var (role, id) = ((Role)PageRequest.LongPart(rolePart, 0, (long)Role.Owner), PageRequest.GuidPart(idPart));
            after = ordered.SkipWhile(m => m.Value > role || (m.Value == role && m.Key.CompareTo(id) <= 0));
        }

        var slice = after.Take(page.First + 1).ToList();
        return context.LoadMany(UserLoaders.ById, slice.Select(m => m.Key)).Then(byId =>
        {
            var rows = slice.Where(m => byId.ContainsKey(m.Key)).Select(m => new Member(byId[m.Key], m.Value)).ToList();
            return Paging.ToConnection(rows, page, m => Paging.Key("members", ((int)m.Role).ToString(System.Globalization.CultureInfo.InvariantCulture), m.User.Id.ToString("N")),
                page.CountTotal ? workspace.Members.Count : null);
        });
    }

    private static Connection<PendingInvitation> InvitationsPage(Workspace workspace, PageRequest page)
    {
        // By expiry then id: a re-sent invitation is a new one (new id and expiry), so an invitation never moves, and
        // the next page starts after the cursor's keys, not at a position.
        var after = workspace.Invitations.AsEnumerable();
        if (page.After("invitations", 2) is [var expiryPart, var idPart])
        {
            var (expiry, id) = (PageRequest.LongPart(expiryPart, 0, DateTimeOffset.MaxValue.UtcTicks), PageRequest.GuidPart(idPart));
            after = after.Where(i => i.ExpiresAt.UtcTicks > expiry || (i.ExpiresAt.UtcTicks == expiry && i.Id.CompareTo(id) > 0));
        }

        var rows = after.OrderBy(i => i.ExpiresAt.UtcTicks).ThenBy(i => i.Id).Take(page.First + 1).ToList();
        return Paging.ToConnection(rows, page, i => Paging.Key("invitations", i.ExpiresAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), i.Id.ToString("N")),
            page.CountTotal ? workspace.Invitations.Count : null);
    }
}

/// <summary>A member: the user and their role.</summary>
public sealed record Member(User User, Role Role);

public sealed class MemberType : ObjectGraphType<Member>
{
    public MemberType()
    {
        Name = "Member";
        Field<NonNullGraphType<UserType>, User>("user").Resolve(ctx => ctx.Source.User);
        Field<NonNullGraphType<RoleType>, Role>("role").Resolve(ctx => ctx.Source.Role);
    }
}

public sealed class InvitationType : ObjectGraphType<PendingInvitation>
{
    public InvitationType()
    {
        Name = "Invitation";
        Description = "An invitation waiting to be accepted.";
        Field(i => i.Email);
        Field<NonNullGraphType<RoleType>, Role>("role").Resolve(ctx => ctx.Source.Role);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("expiresAt").Resolve(ctx => ctx.Source.ExpiresAt);
    }
}

/// <summary><c>Role</c>: OWNER, ADMIN, EDITOR, VIEWER.</summary>
public sealed class RoleType : EnumerationGraphType<Role>
{
    public RoleType()
    {
        Name = "Role";
        Description = "What a member may do; see the permission matrix in the README.";
    }

    protected override string ChangeEnumCase(string val) => val.ToUpperInvariant();
}

/// <summary><c>workspace(id)</c>: members only.</summary>
[global::Nexus.Api.GraphQL.QueryType]
public sealed class WorkspaceQuery : global::Nexus.Api.GraphQL.IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<WorkspaceType, IDataLoaderResult<Workspace?>>("workspace")
            .Description("A workspace the caller belongs to (FORBIDDEN otherwise).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .AsOfArgument(AsOf.WorkspaceDescription)
            .RequireWorkspaceRole(Role.Viewer, ctx => ctx.WorkspaceIdArgument())
            .AnyAppScope()
            .Resolve(ctx => AsOf.Instant(ctx) is { } asOf
                ? AsOf.Workspace(ctx, ctx.WorkspaceIdArgument(), asOf)
                : ((Workspace?)ctx.Checked(ctx.WorkspaceIdArgument())).AsLoaded());
}

/// <summary>A workspace is visible through <c>node(id)</c> to its members only.</summary>
public sealed class WorkspaceNodeResolver : INodeResolver
{
    public string TypeName => WorkspaceType.TypeName;

    public string? Scope => FieldScopes.AnyApp;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) => WorkspaceLoaders.Visible(context, id, workspace => workspace);
}

/// <summary>Workspaces by id, for node resolvers: what they return depends on the caller's membership.</summary>
public static class WorkspaceLoaders
{
    public static readonly BatchLoader<Guid, Workspace> ById = BatchLoader.ById<Workspace>(w => w.Id);

    /// <summary>
    /// <paramref name="row"/> if the caller is a member of workspace <paramref name="workspaceId"/>, else null: how a
    /// node resolver hides another workspace's row (a post, a connection) without telling that it exists.
    /// </summary>
    public static IDataLoaderResult<T?> Visible<T>(IResolveFieldContext context, Guid workspaceId, Func<Workspace, T?> row)
    {
        var caller = context.User;
        return context.Load(ById, workspaceId).Then(workspace => workspace is null || workspace.RoleOf(caller) is null ? default : row(workspace));
    }
}

/// <summary>The workspaces a user belongs to, for <c>User.workspaces</c> and account deletion.</summary>
public static class MyWorkspaces
{
    public static async Task<IReadOnlyList<Workspace>> ForAsync(Guid userId, IQuerySession session, CancellationToken ct) =>
        await session.Query<Workspace>().Where(w => w.MemberIds.Contains(userId)).OrderBy(w => w.Name).ToListAsync(ct);

    /// <summary>
    /// Oldest first (creation time, then id). The cursor holds the last workspace's creation time and id and the
    /// next page starts strictly after them in SQL, so workspaces joined or left in between shift nothing.
    /// </summary>
    /// <paramref name="only"/>: the one workspace an app's token is bound to; its other workspaces are not the app's to see.
    public static async Task<Connection<Workspace>> PageAsync(Guid userId, PageRequest page, IQuerySession session, CancellationToken ct, Guid? only = null)
    {
        var query = session.Query<Workspace>().Where(w => w.MemberIds.Contains(userId));
        if (only is { } bound)
        {
            query = query.Where(w => w.Id == bound);
        }

        var total = page.CountTotal ? await query.CountAsync(ct) : (int?)null;
        if (page.After("workspaces", 2) is [var keyPart, var idPart])
        {
            var (key, id) = (PageRequest.LongPart(keyPart, 0, DateTimeOffset.MaxValue.UtcTicks), PageRequest.GuidPart(idPart));
            // Compared as PostgreSQL reads the stored JSON timestamp (rounded to the microsecond) on both sides, so a
            // workspace's own cursor equals its key and ties are settled by the id.
            var at = new DateTimeOffset(key, TimeSpan.Zero).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            query = query.Where(w => w.MatchesSql("(CAST(d.data ->> 'CreatedAt' AS timestamptz), d.id) > (CAST(? AS timestamptz), ?)", at, id));
        }

        var rows = await query.OrderBy(w => w.CreatedAt).ThenBy(w => w.Id).Take(page.First + 1).ToListAsync(ct);
        return Paging.ToConnection(rows, page, w => Paging.Key("workspaces", w.CreatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), w.Id.ToString("N")), total);
    }
}
