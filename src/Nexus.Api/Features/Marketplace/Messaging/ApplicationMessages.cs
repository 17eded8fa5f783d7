using System.Globalization;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using GraphQL.Types.Relay;
using JasperFx.Events;
using Marten;
using Marten.Linq.MatchesSql;
using Nexus.Api.Features.Accounts;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Realtime;

// Not the mutation's namespace: a mutation slice declares no graph types (ConventionTests).
namespace Nexus.Api.Features.Marketplace.Threads;

/// <summary>
/// A message of an application's thread, the read model of one <see cref="ApplicationMessagePosted"/> (stored in the
/// same transaction as the event), so the thread pages by (at, id) on an index instead of replaying the stream.
/// </summary>
public sealed record ApplicationMessage(Guid Id, Guid ApplicationId, Party Side, Guid AuthorUserId, string Body, DateTimeOffset At)
{
    public const string TypeName = "ApplicationMessage";

    public static ApplicationMessage Of(ApplicationMessagePosted e) => new(e.MessageId, e.ApplicationId, e.Side, e.ByUserId, e.Body, e.At);
}

public sealed class ApplicationMessageMarten : IConfigureMarten
{
    public const string ThreadIndex = "mt_doc_applicationmessage_idx_thread";

    public void Configure(IServiceProvider services, StoreOptions options) =>
        // Application.messages: oldest first on (At, Id) within one application.
        options.Schema.For<ApplicationMessage>().Index([m => m.ApplicationId, m => m.At, m => m.Id], index => index.Name = ThreadIndex);
}

/// <summary>
/// Who may read a thread: a member (any role) of either party's workspace, decided on the workspaces as they are now;
/// anyone else, and an unknown id, get the same FORBIDDEN (it never tells whether the application exists).
/// </summary>
public static class ThreadAccess
{
    public static async Task<CampaignApplication> DemandAsync(IResolveFieldContext context, Guid applicationId)
    {
        var session = context.RequestServices!.GetRequiredService<IQuerySession>();
        return context.UserId() is { } user && applicationId != Guid.Empty &&
            await session.LoadAsync<CampaignApplication>(applicationId, context.CancellationToken) is { } application &&
            await Parties.SeesAsync(session, application, user, context.CancellationToken)
            ? application
            : throw Refused();
    }

    /// <summary>As above, for an application already loaded (the parent of <c>Application.messages</c>).</summary>
    public static async Task DemandAsync(IResolveFieldContext context, CampaignApplication application)
    {
        if (context.UserId() is not { } user ||
            !await Parties.SeesAsync(context.RequestServices!.GetRequiredService<IQuerySession>(), application, user, context.CancellationToken))
        {
            throw Refused();
        }
    }

    private static ForbiddenError Refused() => new("This application does not exist, or you are no party to it.");
}

/// <summary><c>ApplicationMessage</c>: to the application's parties only.</summary>
public sealed class ApplicationMessageType : ObjectGraphType<ApplicationMessage>
{
    public ApplicationMessageType()
    {
        Name = ApplicationMessage.TypeName;
        Description = "A message of an application's thread, written by a member of one party's workspace.";
        this.NodeId(m => m.Id);
        Field<NonNullGraphType<PartyType>, Party>("by").Description("The side that wrote it.").Resolve(ctx => ctx.Source.Side);
        Field<StringGraphType, IDataLoaderResult<string?>>("authorName").Description("The author's display name; null once their account is deleted.")
            .Resolve(ctx => ctx.Load(UserLoaders.ById, ctx.Source.AuthorUserId).Then(user => user?.DisplayName));
        Field<NonNullGraphType<StringGraphType>, string>("body").Resolve(ctx => ctx.Source.Body);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("at").Resolve(ctx => ctx.Source.At);
    }
}

/// <summary>Messages by id through <c>node(id)</c>: the parties of their application only.</summary>
public sealed class ApplicationMessageNodeResolver : INodeResolver
{
    public string TypeName => ApplicationMessage.TypeName;

    public string? Scope => null;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        BatchLoadingExtensions.Deferred(async ct =>
            await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<ApplicationMessage>(id, ct) is { } message &&
            await CampaignReads.PartyViewAsync(message.ApplicationId, context) is not null
                ? message
                : null);
}

/// <summary><c>Application.messages(first, after)</c>: the thread, oldest first.</summary>
public sealed class ApplicationMessagesField : ITypeExtension<ApplicationType>
{
    public const string List = "applicationMessages";
    public const string At = "nexus.mt_immutable_timestamptz(d.data ->> 'At')";

    public void Extend(ApplicationType type) =>
        type.Field<NonNullGraphType<ConnectionType<ApplicationMessageType, EdgeType<ApplicationMessageType>>>, object>("messages")
            .Description("The application's thread, oldest first (`sendApplicationMessage` writes to it; subscription `applicationMessages` follows it). Its parties only.")
            .Paged()
            .FirstPartyOnly()
            .ResolveAsync(async ctx =>
            {
                var application = (CampaignApplication)ctx.Source!;
                await ThreadAccess.DemandAsync(ctx, application);
                var page = ctx.GetPageRequest();
                var query = ctx.RequestServices!.GetRequiredService<IQuerySession>().Query<ApplicationMessage>().Where(m => m.ApplicationId == application.Id);
                var total = page.CountTotal ? await query.CountAsync(ctx.CancellationToken) : (int?)null;
                (long, Guid)? after = page.After(List, 2) is [var ticks, var id]
                    ? (PageRequest.LongPart(ticks, 0, DateTimeOffset.MaxValue.UtcTicks), PageRequest.GuidPart(id))
                    : null;
                var rows = await Page(query, after, page.First + 1).ToListAsync(ctx.CancellationToken);
                return Paging.ToConnection(rows, page,
                    m => Paging.Key(List, m.At.UtcTicks.ToString(CultureInfo.InvariantCulture), m.Id.ToString("N")), total);
            });

    /// <summary>Up to <paramref name="take"/> messages after the cursor's (ticks, id), oldest first, in the thread index's order.</summary>
    public static IQueryable<ApplicationMessage> Page(IQueryable<ApplicationMessage> query, (long Ticks, Guid Id)? after, int take)
    {
        if (after is var (ticks, id))
        {
            var instant = new DateTimeOffset(ticks, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
            // Both sides as PostgreSQL reads the stored JSON timestamp (to the microsecond), so a message's own cursor equals it.
            query = query.Where(m => m.MatchesSql($"({At}, d.id) > (CAST(? AS timestamptz), ?)", instant, id));
        }

        return query.OrderBySql($"{At}, d.id").Take(take);
    }
}

/// <summary>
/// <c>applicationMessages(applicationId)</c>: each new message of the thread as it is committed, to the parties. The
/// party check runs when subscribing and again for every message (<see cref="NexusSubscriptionExecutionStrategy"/>):
/// a member removed from their workspace meanwhile gets FORBIDDEN and the stream ends.
/// </summary>
[SubscriptionType]
public sealed class ApplicationMessagesSubscription : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<NonNullGraphType<ApplicationMessageType>, ApplicationMessage>("applicationMessages")
            .Description("The application's new messages, as they are sent (by either side). Its parties only; checked again for every message.")
            .Argument<NonNullGraphType<IdGraphType>>("applicationId")
            .FirstPartyOnly()
            .ApplyMiddleware(next => async ctx =>
            {
                await ThreadAccess.DemandAsync(ctx, ApplicationIdArgument(ctx));
                return await next(ctx);
            })
            .ResolveStreamAsync(ctx => ctx.WatchCommittedAsync<ApplicationMessage>(ApplicationIdArgument(ctx)));

    private static Guid ApplicationIdArgument(IResolveFieldContext context) =>
        MarketplaceIds.Of(context.GetArgument<string>("applicationId"), CampaignApplication.TypeName);
}

/// <summary>Publishes each committed message under its application's id (the feed's key), built from the event itself.</summary>
public sealed class ApplicationMessageSource : IRealtimeSource
{
    public Task PublishAsync(IReadOnlyList<StreamAction> committed, IQuerySession session, WorkspaceFeed feed, CancellationToken ct)
    {
        foreach (var e in committed.SelectMany(s => s.Events))
        {
            if (e.Data is ApplicationMessagePosted posted)
            {
                feed.Publish(posted.ApplicationId, ApplicationMessage.Of(posted));
            }
        }

        return Task.CompletedTask;
    }
}

public static class ThreadPayloads
{
    /// <summary><c>application</c> as it now is (to its parties), then <c>message</c>: the message sent.</summary>
    public static Payload<ApplicationMessage> Message { get; } = Payload<ApplicationMessage>.Always<ApplicationType>("application",
            "The application as it now is (after errors too); null to anyone who is no party to it.",
            async (context, message) =>
            {
                var id = message?.ApplicationId ?? MarketplaceIds.Of((context.Arguments?["input"].Value as IApplicationInput)?.ApplicationId, CampaignApplication.TypeName);
                return id == Guid.Empty ? null : await CampaignReads.PartyViewAsync(id, context);
            })
        .And<ApplicationMessageType>("message", "The message sent; null after an error.", message => message);
}
