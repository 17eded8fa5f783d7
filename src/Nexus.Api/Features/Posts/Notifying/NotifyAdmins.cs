using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Wolverine;

namespace Nexus.Api.Features.Posts.Notifying;

/// <summary>A target failed for good (or is unconfirmed) after this attempt: the workspace's admins hear of it once.</summary>
public sealed record NotifyTargetFailed(Guid PostId, Guid TargetId, int Attempt);

/// <summary>A connection needs reconnecting (its tokens at this generation were refused): the admins hear of it once.</summary>
public sealed record NotifyConnectionNeedsReauth(Guid ConnectionId, int TokenGeneration);

/// <summary>That an incident was told to the admins (id = the incident): a second delivery or a racing handler tells no one again.</summary>
public sealed record IncidentNotice(string Id, DateTimeOffset At);

public sealed class NotifyingMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options) => options.Schema.For<IncidentNotice>();
}

public static class NotifyAdminsHandler
{
    public static async Task<OutgoingMessages> Handle(NotifyTargetFailed message, IDocumentSession session, IOptions<NexusUrls> urls, DateTimeOffset now, CancellationToken ct)
    {
        var incident = $"target-failed:{message.TargetId:N}:{message.Attempt}";
        var post = await session.LoadAsync<Post>(message.PostId, ct);
        if (post?.Target(message.TargetId) is not { Status: TargetStatus.Failed or TargetStatus.Unconfirmed } target ||
            await session.LoadAsync<IncidentNotice>(incident, ct) is not null)
        {
            return [];
        }

        var connection = await session.LoadAsync<Connection>(target.ConnectionId, ct);
        var account = connection is null ? target.Platform.ToString() : $"{connection.Name} on {connection.Platform}";
        var link = $"{urls.Value.FrontendUrl.TrimEnd('/')}/posts/{Nexus.Api.GraphQL.Relay.GlobalId.Encode(PostType.TypeName, post.Id)}";
        var what = target.Status == TargetStatus.Unconfirmed ? "may not have been published" : "was not published";
        var excerpt = post.Text.Length > 120 ? post.Text[..120] + "…" : post.Text;
        return await TellAdminsAsync(session, post.WorkspaceId, incident, now, workspace => new EmailMessage("target-failed", "",
            $"A post {what} to {account}",
            $"""
            In "{workspace.Name}", a post {what} to {account}.

            Why: {target.LastError?.Message}

            The post: "{excerpt}"
            See it, and retry when that can help: {link}
            """), ct);
    }

    public static async Task<OutgoingMessages> Handle(NotifyConnectionNeedsReauth message, IDocumentSession session, IOptions<NexusUrls> urls, DateTimeOffset now, CancellationToken ct)
    {
        var incident = $"needs-reauth:{message.ConnectionId:N}:{message.TokenGeneration}";
        var connection = await session.LoadAsync<Connection>(message.ConnectionId, ct);
        if (connection is not { Status: ConnectionStatus.NeedsReauth } || connection.TokenGeneration != message.TokenGeneration ||
            await session.LoadAsync<IncidentNotice>(incident, ct) is not null)
        {
            return [];
        }

        var link = $"{urls.Value.FrontendUrl.TrimEnd('/')}/connections";
        return await TellAdminsAsync(session, connection.WorkspaceId, incident, now, workspace => new EmailMessage("connection-needs-reauth", "",
            $"Reconnect {connection.Name} on {connection.Platform}",
            $"""
            In "{workspace.Name}", Nexus can no longer publish to {connection.Name} on {connection.Platform}.

            Why: {connection.StatusReason}

            Posts to this account will fail until an admin reconnects it: {link}
            """), ct);
    }

    private static async Task<OutgoingMessages> TellAdminsAsync(IDocumentSession session, Guid workspaceId, string incident, DateTimeOffset now,
        Func<Workspace, EmailMessage> compose, CancellationToken ct)
    {
        var workspace = await session.LoadAsync<Workspace>(workspaceId, ct);
        if (workspace is null)
        {
            return [];
        }

        var admins = await session.LoadManyAsync<User>(ct, workspace.Members.Where(m => m.Value >= Role.Admin).Select(m => m.Key));
        // Inserted, not stored: of two deliveries racing, the second fails on the id and, run again, finds the notice.
        session.Insert(new IncidentNotice(incident, now));
        var mail = compose(workspace);
        var messages = new OutgoingMessages();
        foreach (var admin in admins)
        {
            messages.Add(new SendEmail(mail with { To = admin.Email }));
        }

        return messages;
    }
}
