using System.ComponentModel;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Workspaces;

/// <summary>What a member may do in a workspace, from least to most.</summary>
public enum Role
{
    Viewer = 0,
    Editor = 1,
    Admin = 2,
    Owner = 3,
}

[Description("A workspace was created; its creator is its owner.")]
public sealed record WorkspaceCreated(Guid WorkspaceId, string Name, string TimeZone, Guid OwnerId, DateTimeOffset CreatedAt) : IDomainEvent;

[Description("The workspace was renamed.")]
public sealed record WorkspaceRenamed(Guid WorkspaceId, string Name, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The workspace's settings changed (its IANA time zone).")]
public sealed record WorkspaceSettingsChanged(Guid WorkspaceId, string TimeZone, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("Someone was invited by email; the single-use token is not in the event, only in an InvitationToken document by its hash.")]
public sealed record MemberInvited(Guid WorkspaceId, Guid InvitationId, string Email, Role Role, Guid ByUserId, DateTimeOffset ExpiresAt, DateTimeOffset At) : IDomainEvent;

[Description("A pending invitation was withdrawn by an admin; its token no longer works.")]
public sealed record InvitationCancelled(Guid WorkspaceId, Guid InvitationId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("An invitation was accepted: the user joined with the invited role.")]
public sealed record InvitationAccepted(Guid WorkspaceId, Guid InvitationId, Guid UserId, Role Role, DateTimeOffset At) : IDomainEvent;

[Description("A member's role changed.")]
public sealed record MemberRoleChanged(Guid WorkspaceId, Guid UserId, Role Role, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A member was removed by an admin.")]
public sealed record MemberRemoved(Guid WorkspaceId, Guid UserId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A member left the workspace.")]
public sealed record MemberLeft(Guid WorkspaceId, Guid UserId, DateTimeOffset At) : IDomainEvent;

[Description("The owner handed ownership to another member and became an admin.")]
public sealed record OwnershipTransferred(Guid WorkspaceId, Guid FromUserId, Guid ToUserId, DateTimeOffset At) : IDomainEvent;

[Description("The workspace's weekly posting schedule was set: the slots (day of week and local time) in an IANA zone that addPostToQueue fills.")]
public sealed record PostingScheduleSet(Guid WorkspaceId, string TimeZone, IReadOnlyList<PostingSlot> Slots, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

/// <summary>A weekly slot of the posting schedule: a day and a local wall time.</summary>
public sealed record PostingSlot(DayOfWeek DayOfWeek, TimeOnly Time);

/// <summary>The weekly posting schedule: its zone and slots.</summary>
public sealed record PostingSchedule(string TimeZone, IReadOnlyList<PostingSlot> Slots);

/// <summary>A pending invitation: who, with which role, until when.</summary>
public sealed record PendingInvitation(Guid Id, string Email, Role Role, DateTimeOffset ExpiresAt);

/// <summary>
/// A workspace: the write model of its stream and, projected inline, the read model behind <c>Workspace</c> and
/// every membership check. <see cref="MemberIds"/> exists so "my workspaces" is one indexed query.
/// </summary>
public sealed record Workspace(
    Guid Id,
    string Name,
    string TimeZone,
    Dictionary<Guid, Role> Members,
    Guid[] MemberIds,
    List<PendingInvitation> Invitations,
    DateTimeOffset CreatedAt,
    int Version,
    PostingSchedule? PostingSchedule = null,
    Billing.WorkspaceSubscription? Subscription = null)
{
    public Guid OwnerId => Members.Single(m => m.Value == Role.Owner).Key;

    public Role? RoleOf(Guid? userId) => userId is { } id && Members.TryGetValue(id, out var role) ? role : null;

    /// <summary>
    /// Why <paramref name="userId"/> may not make a change that needs <paramref name="minimum"/>, or null when they may.
    /// Handlers ask this of the aggregate they load for writing: the append asserts that aggregate's version, so a
    /// role changed by a concurrent call since the request's access check is seen here (after a retry), not missed.
    /// </summary>
    public RoleRequiredError? Refuses(Guid userId, Role minimum) => RoleOf(userId) >= minimum ? null : new RoleRequiredError(minimum);

    public static Workspace Create(WorkspaceCreated e) =>
        new(e.WorkspaceId, e.Name, e.TimeZone, new() { [e.OwnerId] = Role.Owner }, [e.OwnerId], [], e.CreatedAt, 1);

    public Workspace Apply(WorkspaceRenamed e) => this with { Name = e.Name };

    public Workspace Apply(WorkspaceSettingsChanged e) => this with { TimeZone = e.TimeZone };

    public Workspace Apply(PostingScheduleSet e) => this with { PostingSchedule = new PostingSchedule(e.TimeZone, e.Slots) };

    public Workspace Apply(Billing.WorkspaceSubscriptionChanged e) => this with { Subscription = Billing.WorkspaceSubscription.From(e, Subscription) };

    public Workspace Apply(MemberInvited e) =>
        this with { Invitations = [.. Invitations.Where(i => i.Email != e.Email), new PendingInvitation(e.InvitationId, e.Email, e.Role, e.ExpiresAt)] };

    public Workspace Apply(InvitationCancelled e) => this with { Invitations = [.. Invitations.Where(i => i.Id != e.InvitationId)] };

    public Workspace Apply(InvitationAccepted e) =>
        WithMembers(new(Members) { [e.UserId] = e.Role }) with { Invitations = [.. Invitations.Where(i => i.Id != e.InvitationId)] };

    public Workspace Apply(MemberRoleChanged e) => WithMembers(new(Members) { [e.UserId] = e.Role });

    public Workspace Apply(MemberRemoved e) => WithMembers(Without(e.UserId));

    public Workspace Apply(MemberLeft e) => WithMembers(Without(e.UserId));

    public Workspace Apply(OwnershipTransferred e) =>
        WithMembers(new(Members) { [e.FromUserId] = Role.Admin, [e.ToUserId] = Role.Owner });

    private Dictionary<Guid, Role> Without(Guid userId)
    {
        var members = new Dictionary<Guid, Role>(Members);
        members.Remove(userId);
        return members;
    }

    private Workspace WithMembers(Dictionary<Guid, Role> members) => this with { Members = members, MemberIds = [.. members.Keys] };
}

/// <summary>
/// The hash of an invitation's single-use token, id = SHA-256 of the token (hex). The token itself is only in
/// the email; a leaked database or event stream cannot be used to join.
/// </summary>
public sealed record InvitationToken(string Id, Guid WorkspaceId, Guid InvitationId);
