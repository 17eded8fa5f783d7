using GraphQL.Types;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.Infrastructure;
using Npgsql;

// Not the rateContract slice's namespace: a mutation slice declares no graph types (ConventionTests).
namespace Nexus.Api.Features.Marketplace.Reputation;

/// <summary>What brands said of a creator after paid contracts: the mean of their stars and how many rated.</summary>
public sealed record CreatorRating(double? Average, int Count);

public sealed class CreatorRatingType : ObjectGraphType<CreatorRating>
{
    public CreatorRatingType()
    {
        Name = "CreatorRating";
        Description = "How brands rated the creator after paid contracts (`rateContract`).";
        Field<FloatGraphType, double?>("average").Description("The mean of the brands' stars (1 to 5); null before any rating.").Resolve(ctx => ctx.Source.Average);
        Field<NonNullGraphType<IntGraphType>, int>("count").Description("How many contracts the brand rated.").Resolve(ctx => ctx.Source.Count);
    }
}

/// <summary><c>CreatorProfile.rating</c>: one query over the creator's applications, reading each contract's brand rating.</summary>
public sealed class CreatorRatingField : ITypeExtension<CreatorProfileType>
{
    public void Extend(CreatorProfileType type) =>
        type.Field<NonNullGraphType<CreatorRatingType>, CreatorRating>("rating")
            .Description("How brands rated this creator after paid contracts.")
            .FirstPartyOnly()
            .ResolveAsync(async ctx => await OfAsync(ctx.RequestServices!.GetRequiredService<NpgsqlDataSource>(), ctx.Source.UserId, ctx.CancellationToken));

    public static async Task<CreatorRating> OfAsync(NpgsqlDataSource db, Guid creatorUserId, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "select count(s.stars)::int, avg(s.stars)::float8 from (" +
            $"select (d.data #>> '{{Contract,BrandRating,Stars}}')::int as stars from {Persistence.SchemaName}.mt_doc_campaignapplication d " +
            "where CAST(d.data ->> 'CreatorUserId' as uuid) = $1) s");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = creatorUserId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new CreatorRating(reader.IsDBNull(1) ? null : Math.Round(reader.GetDouble(1), 2), reader.GetInt32(0));
    }
}
