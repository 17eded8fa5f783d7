using JasperFx.Events.Projections;
using Marten;

namespace Nexus.Api.Features.Workspaces;

/// <summary>The Workspaces area's documents and projections.</summary>
public sealed class WorkspacesMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<Workspace>(SnapshotLifecycle.Inline);
        options.Schema.For<Workspace>().Index(w => w.MemberIds, index => index.Method = Weasel.Postgresql.Tables.IndexMethod.gin);
        options.Schema.For<InvitationToken>();
    }
}
