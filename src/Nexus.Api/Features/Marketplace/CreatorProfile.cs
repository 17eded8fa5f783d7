using System.ComponentModel;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.Features.Analytics;
using Nexus.Api.Features.Analytics.Syncing;
using Nexus.Api.Features.Connections;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;
using Nexus.Api.Platforms;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Api.Features.Marketplace;

/// <summary>What a creator asks for one kind of work ("1 Instagram reel"), in minor units of a currency.</summary>
public sealed record RateCard(string Deliverable, long Amount, string Currency);

[Description("A creator published or changed their profile: display name, bio, niches, country, rates, sample posts, and the workspace whose connected accounts measure their audience.")]
public sealed record CreatorProfilePublished(Guid ProfileId, Guid UserId, Guid WorkspaceId, string DisplayName, string Bio, IReadOnlyList<string> Niches, string? Country,
    IReadOnlyList<RateCard> Rates, IReadOnlyList<Guid> SamplePostIds, DateTimeOffset At) : IDomainEvent;

[Description("Stripe created the creator's Connect account (its id only), where payouts go once Stripe enables them.")]
public sealed record CreatorPayoutAccountOpened(Guid ProfileId, Guid WorkspaceId, string StripeAccountId, DateTimeOffset At) : IDomainEvent;

[Description("Stripe says the creator's Connect account can receive payouts (or no longer can).")]
public sealed record CreatorPayoutsChanged(Guid ProfileId, Guid WorkspaceId, bool PayoutsEnabled, DateTimeOffset At) : IDomainEvent;

/// <summary>A creator's marketplace profile (one per person), one stream each, projected inline.</summary>
public sealed record CreatorProfile(
    Guid Id,
    Guid UserId,
    Guid WorkspaceId,
    string DisplayName,
    string Bio,
    IReadOnlyList<string> Niches,
    string? Country,
    IReadOnlyList<RateCard> Rates,
    IReadOnlyList<Guid> SamplePostIds,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version)
{
    public const string TypeName = "CreatorProfile";

    public string? StripeAccountId { get; init; }

    public bool PayoutsEnabled { get; init; }

    public static CreatorProfile Create(CreatorProfilePublished e) =>
        new(e.ProfileId, e.UserId, e.WorkspaceId, e.DisplayName, e.Bio, e.Niches, e.Country, e.Rates, e.SamplePostIds, e.At, e.At, 1);

    public CreatorProfile Apply(CreatorProfilePublished e) => this with
    {
        WorkspaceId = e.WorkspaceId,
        DisplayName = e.DisplayName,
        Bio = e.Bio,
        Niches = e.Niches,
        Country = e.Country,
        Rates = e.Rates,
        SamplePostIds = e.SamplePostIds,
        UpdatedAt = e.At,
    };

    public CreatorProfile Apply(CreatorPayoutAccountOpened e) => this with { StripeAccountId = e.StripeAccountId, UpdatedAt = e.At };

    public CreatorProfile Apply(CreatorPayoutsChanged e) => this with { PayoutsEnabled = e.PayoutsEnabled, UpdatedAt = e.At };
}

public sealed class CreatorProfileMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<CreatorProfile>(SnapshotLifecycle.Inline);
        // One profile per person, held by the database: two first publications at once make one profile.
        options.Schema.For<CreatorProfile>().UniqueIndex(p => p.UserId).Duplicate(p => p.StripeAccountId);
    }
}

/// <summary>
/// A creator's audience as Nexus measured it: per platform, the largest follower count among the active connected
/// accounts of the creator's workspace, with when it was read. Never typed in by the creator, so a brand can trust it.
/// </summary>
public sealed class CreatorAudience(NpgsqlDataSource db, MetricsSync sync)
{
    public async Task<IReadOnlyList<AudienceFigure>> OfAsync(IQuerySession session, Guid workspaceId, CancellationToken ct)
    {
        var active = await ActiveConnectionsAsync(session, workspaceId, ct);
        if (active.Length == 0)
        {
            return [];
        }

        await using var command = db.CreateCommand(
            $"select distinct on (platform) platform, followers, measured_at from {AnalyticsTables.ConnectionAudience} " +
            "where connection_id = any($1) and followers is not null order by platform, followers desc");
        command.Parameters.Add(new NpgsqlParameter { Value = active, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        var figures = new List<AudienceFigure>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (Enum.TryParse<PlatformId>(reader.GetString(0), out var platform))
            {
                figures.Add(new AudienceFigure(platform, reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }

        return figures;
    }

    /// <summary>Reads every active account's audience from its platform now, then answers the figures.</summary>
    public async Task<IReadOnlyList<AudienceFigure>> RefreshAsync(IQuerySession session, Guid workspaceId, CancellationToken ct)
    {
        await sync.RefreshAudiencesAsync(await ActiveConnectionsAsync(session, workspaceId, ct), workspaceId, ct);
        return await OfAsync(session, workspaceId, ct);
    }

    private static async Task<Guid[]> ActiveConnectionsAsync(IQuerySession session, Guid workspaceId, CancellationToken ct) =>
        [.. await session.Query<Connection>().Where(c => c.WorkspaceId == workspaceId && c.Status == ConnectionStatus.Active).Select(c => c.Id).ToListAsync(ct)];

    /// <summary>What the requirements ask that the audience, niches and country do not meet; empty when the creator qualifies.</summary>
    public static IReadOnlyList<string> Unmet(CampaignRequirements requirements, IReadOnlyList<AudienceFigure> audience, CreatorProfile profile)
    {
        var unmet = new List<string>();
        foreach (var minimum in requirements.MinFollowers)
        {
            var followers = audience.Where(a => a.Platform == minimum.Platform).Select(a => a.Followers).DefaultIfEmpty(0).Max();
            if (followers < minimum.Followers)
            {
                unmet.Add($"at least {minimum.Followers} followers on {minimum.Platform} (measured: {followers})");
            }
        }

        if (requirements.Niches.Count > 0 && !requirements.Niches.Intersect(profile.Niches, StringComparer.OrdinalIgnoreCase).Any())
        {
            unmet.Add($"one of the niches {string.Join(", ", requirements.Niches)}");
        }

        if (requirements.Countries.Count > 0 && !requirements.Countries.Contains(profile.Country ?? "", StringComparer.OrdinalIgnoreCase))
        {
            unmet.Add($"a country among {string.Join(", ", requirements.Countries)}");
        }

        return unmet;
    }
}

/// <summary>The caller has no creator profile yet: <c>updateCreatorProfile</c> makes one.</summary>
public sealed record CreatorProfileRequiredError()
    : MutationError("CREATOR_PROFILE_REQUIRED", "Publish your creator profile first (updateCreatorProfile).", ["input"]);

/// <summary>The creator's measured audience, niches or country do not meet the campaign's requirements; <c>unmet</c> lists which.</summary>
public sealed record RequirementsNotMetError(IReadOnlyList<string> Unmet)
    : MutationError("REQUIREMENTS_NOT_MET", $"You do not meet the campaign's requirements: {string.Join("; ", Unmet)}.", ["input", "campaignId"]);
