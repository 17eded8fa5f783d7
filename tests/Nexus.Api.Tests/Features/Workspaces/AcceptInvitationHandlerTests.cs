using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.Features.Workspaces.AcceptingInvitation;
using Wolverine.Marten;

namespace Nexus.Api.Tests.Features.Workspaces;

public sealed class AcceptInvitationHandlerTests
{
    private static readonly DateTimeOffset Sent = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid InvitationId = Guid.CreateVersion7();
    private static readonly User Invitee = new(Guid.CreateVersion7(), "ivan@example.com", "Ivan", Sent);

    private static Workspace WithInvitation() =>
        Workspace.Create(new WorkspaceCreated(Guid.CreateVersion7(), "Acme", "UTC", Guid.CreateVersion7(), Sent))
            .Apply(new MemberInvited(Guid.Empty, InvitationId, "ivan@example.com", Role.Editor, Guid.Empty, Sent.AddDays(7), Sent));

    [Fact]
    public void an_invitation_accepted_before_it_expires_adds_the_member()
    {
        var workspace = WithInvitation();
        var context = new InvitationContext(new InvitationToken("hash", workspace.Id, InvitationId), workspace, Invitee);

        var (outcome, append, deleteToken) = AcceptInvitationHandler.Handle(new AcceptInvitation(Invitee.Id, "t"), context, Microsoft.Extensions.Options.Options.Create(new Nexus.Api.Features.Billing.BillingOptions()), Sent.AddDays(7).AddSeconds(-1));

        Assert.True(outcome.Succeeded);
        Assert.IsNotType<NoOp>(append);
        Assert.IsNotType<NoOp>(deleteToken);
    }

    [Fact]
    public void an_invitation_is_expired_seven_days_after_it_was_sent()
    {
        var workspace = WithInvitation();
        var context = new InvitationContext(new InvitationToken("hash", workspace.Id, InvitationId), workspace, Invitee);

        var (outcome, append, _) = AcceptInvitationHandler.Handle(new AcceptInvitation(Invitee.Id, "t"), context, Microsoft.Extensions.Options.Options.Create(new Nexus.Api.Features.Billing.BillingOptions()), Sent.AddDays(7));

        Assert.Equal("INVITATION_EXPIRED", Assert.Single(outcome.Errors).Code);
        Assert.IsType<NoOp>(append);
    }

    [Fact]
    public void an_invitation_is_refused_with_plan_limit_when_the_workspace_has_all_the_members_its_plan_allows()
    {
        var workspace = WithInvitation();
        var context = new InvitationContext(new InvitationToken("hash", workspace.Id, InvitationId), workspace, Invitee);
        var billing = new Nexus.Api.Features.Billing.BillingOptions();
        billing.Plans["free"].Limits.Members = 1;

        var (outcome, append, _) = AcceptInvitationHandler.Handle(new AcceptInvitation(Invitee.Id, "t"), context, Microsoft.Extensions.Options.Options.Create(billing), Sent.AddDays(1));

        var error = Assert.IsType<Nexus.Api.Features.Billing.PlanLimitError>(Assert.Single(outcome.Errors));
        Assert.Equal(("members", 1L, 1L, "free", "starter"), (error.Limit, error.Usage, error.Max, error.Plan, error.LiftedBy));
        Assert.IsType<NoOp>(append);
    }
}
