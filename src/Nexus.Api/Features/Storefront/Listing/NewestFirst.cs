using System.Globalization;
using GraphQL;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Marten.Linq.MatchesSql;
using Nexus.Api.GraphQL.Relay;

namespace Nexus.Api.Features.Storefront.Listing;

/// <summary>
/// The storefront's lists (products, orders): newest first by (creation time, id), the ids being version 7; the cursor
/// holds the last item's time and id and the next page starts strictly after them. The SQL expressions are those of the
/// documents' listing indexes, so a page is read in index order.
/// </summary>
public static class NewestFirst
{
    public const string CreatedAt = "nexus.mt_immutable_timestamptz(d.data ->> 'CreatedAt')";

    public static async Task<Connection<T>> PageAsync<T>(IQueryable<T> query, string list, IResolveFieldContext context, Func<T, DateTimeOffset> createdAt, Func<T, Guid> id)
        where T : notnull
    {
        var page = context.GetPageRequest();
        var total = page.CountTotal ? await query.CountAsync(context.CancellationToken) : (int?)null;
        (long, Guid)? after = page.After(list, 2) is [var keyPart, var idPart]
            ? (PageRequest.LongPart(keyPart, 0, DateTimeOffset.MaxValue.UtcTicks), PageRequest.GuidPart(idPart))
            : null;
        var rows = await Page(query, after, page.First + 1).ToListAsync(context.CancellationToken);
        return Paging.ToConnection(rows, page, item => Paging.Key(list, createdAt(item).UtcTicks.ToString(CultureInfo.InvariantCulture), id(item).ToString("N")), total);
    }

    /// <summary>Up to <paramref name="take"/> items after the cursor's (creation ticks, id), newest first.</summary>
    public static IQueryable<T> Page<T>(IQueryable<T> query, (long Ticks, Guid Id)? after, int take)
        where T : notnull
    {
        if (after is var (ticks, id))
        {
            var instant = new DateTimeOffset(ticks, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
            // Both sides as PostgreSQL reads the stored JSON timestamp (to the microsecond), so an item's own cursor equals it.
            query = query.Where(item => item.MatchesSql($"({CreatedAt}, d.id) < (CAST(? AS timestamptz), ?)", instant, id));
        }

        return query.OrderBySql($"{CreatedAt} desc, d.id desc").Take(take);
    }
}
