using System.Globalization;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Nexus.Api.Features.Analytics.Reading;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Storefront.Listing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Api.Features.Storefront.Sales;

/// <summary>How sales are grouped: local days, ISO weeks (from Monday) or calendar months of the workspace's zone.</summary>
public enum SalesPeriod
{
    Day,
    Week,
    Month,
}

public sealed class SalesPeriodType : EnumerationGraphType<SalesPeriod>
{
    public SalesPeriodType()
    {
        Name = "SalesPeriod";
        Description = "Sales' grouping, in the workspace's time zone: local days (from midnight; 23 or 25 hours when the clocks change), ISO weeks (from Monday midnight) or calendar months.";
    }

    protected override string ChangeEnumCase(string val) => val.ToUpperInvariant();
}

/// <summary>
/// <c>Workspace.sales</c>: the storefront's takings per period and product. ADMIN, not every member: it is the
/// business's revenue reporting, kept with the role that moves the storefront's money (<c>refundOrder</c>) and the
/// workspace's billing.
/// </summary>
public sealed class WorkspaceSalesField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<SalesReportType>, SalesReport>("sales")
            .Description("What the storefront sold: orders paid in [`from`, `to`), per period of the workspace's time zone, product and currency, with totals per currency. " +
                $"An order counts in the period it was paid in; its refunds count against that sale, whenever they were made. At most {SalesReport.MaxDayRangeDays} days by DAY, " +
                $"{SalesReport.MaxRangeDays} days by WEEK or MONTH.")
            .Argument<NonNullGraphType<DateTimeScalar>>("from", "The first instant (inclusive).")
            .Argument<NonNullGraphType<DateTimeScalar>>("to", "The end (exclusive).")
            .Argument<SalesPeriodType>("period", "The grouping (default MONTH).")
            .Argument<IdGraphType>("productId", "Only this product's sales.")
            .RequireWorkspaceRole(Role.Admin, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .Resolve(ctx =>
            {
                var from = ctx.GetArgument<DateTimeOffset>("from");
                var to = ctx.GetArgument<DateTimeOffset>("to");
                var period = ctx.GetArgument("period", SalesPeriod.Month);
                SalesReport.Check(from, to, period);
                return new SalesReport(ctx.Source.Id, TimeZoneInfo.FindSystemTimeZoneById(ctx.Source.TimeZone), from, to, period,
                    OrderListing.ProductFilter(ctx.GetArgument<string?>("productId")), ctx.RequestServices!.GetRequiredService<NpgsqlDataSource>());
            });
}

/// <summary>
/// A range of sales. Rows and totals are each one SQL statement, run when selected: a GROUP BY over the workspace's
/// paid orders in the range, read through <see cref="OrderMarten.SalesIndex"/> (workspace, then the duplicated
/// <c>paid_at</c> column), so an order never comes into memory. Pending and cancelled orders have no <c>paid_at</c>.
/// </summary>
public sealed class SalesReport(Guid workspaceId, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to, SalesPeriod period, Guid? productId, NpgsqlDataSource database)
{
    /// <summary>Daily rows for at most a year (and a day, for a leap year's).</summary>
    public const int MaxDayRangeDays = 366;

    /// <summary>Weeks and months for at most about five years (five leap-proof years).</summary>
    public const int MaxRangeDays = 5 * 366;

    /// <summary>
    /// The most rows one report answers: a range of many products by DAY could hold tens of thousands. Past it
    /// <c>truncated</c> says so and the client narrows the range, coarsens the period or names a product; totals
    /// always cover the whole range.
    /// </summary>
    public const int MaxRows = 1000;

    // `rows` and `truncated` share one statement, whichever is resolved first (siblings may resolve in parallel).
    private readonly Lock _gate = new();
    private Task<(IReadOnlyList<SalesRow> Rows, bool Truncated)>? _rows;

    public Guid WorkspaceId => workspaceId;

    public TimeZoneInfo Zone => zone;

    public DateTimeOffset From => from;

    public DateTimeOffset To => to;

    public SalesPeriod Period => period;

    /// <summary>Checks the range: <c>to</c> after <c>from</c>, within the period's longest range and the years time zones are known for (else <c>BAD_REQUEST</c>).</summary>
    public static void Check(DateTimeOffset from, DateTimeOffset to, SalesPeriod period)
    {
        if (to <= from)
        {
            throw new BadRequestError("`to` must be after `from`.");
        }

        var max = period == SalesPeriod.Day ? MaxDayRangeDays : MaxRangeDays;
        if (to - from > TimeSpan.FromDays(max))
        {
            throw new BadRequestError($"The range from `from` to `to` is at most {max} days by {period.ToString().ToUpperInvariant()}.");
        }

        if (from.Year < WallClock.FirstYear || to.Year > WallClock.LastYear)
        {
            throw new BadRequestError($"`from` and `to` are in the years {WallClock.FirstYear} to {WallClock.LastYear}.");
        }
    }

    /// <summary>Rows by period start, then product and currency; at most <see cref="MaxRows"/> (and whether there were more).</summary>
    public Task<(IReadOnlyList<SalesRow> Rows, bool Truncated)> RowsAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            return _rows ??= ReadRowsAsync(ct);
        }
    }

    private async Task<(IReadOnlyList<SalesRow> Rows, bool Truncated)> ReadRowsAsync(CancellationToken ct)
    {
        var rows = new List<SalesRow>();
        var interval = Interval(period);
        await QueryAsync(RowsSql, command =>
        {
            command.Parameters.AddWithValue("unit", LocalBuckets.Unit(interval));
            command.Parameters.AddWithValue("zone", zone.Id);
        }, reader =>
        {
            var start = reader.GetFieldValue<DateOnly>(0);
            rows.Add(new SalesRow(start, LocalBuckets.StartInstant(start, zone), LocalBuckets.StartInstant(LocalBuckets.Next(start, interval), zone),
                reader.GetGuid(1), ReadFigures(reader, 2)));
        }, ct);
        return rows.Count > MaxRows ? (rows[..MaxRows], true) : (rows, false);
    }

    /// <summary>The whole range's figures per currency, by currency code.</summary>
    public async Task<IReadOnlyList<SalesFigures>> TotalsAsync(CancellationToken ct)
    {
        var totals = new List<SalesFigures>();
        await QueryAsync(TotalsSql, _ => { }, reader => totals.Add(ReadFigures(reader, 0)), ct);
        return totals;
    }

    /// <summary>Rows: parameters @workspace, @from, @to, @product (null for all), @unit (day, week, month) and @zone (IANA).</summary>
    public static readonly string RowsSql = $"{Lines} select date_trunc(@unit, l.paid_at at time zone @zone)::date, l.product_id, l.currency, {Figures} from lines l {OfProduct} " +
        $"group by 1, 2, 3 order by 1, 2, 3 limit {MaxRows + 1}";

    /// <summary>Totals per currency: parameters @workspace, @from, @to and @product.</summary>
    public static readonly string TotalsSql = $"{Lines} select l.currency, {Figures} from lines l {OfProduct} group by 1 order by 1";

    private async Task QueryAsync(string sql, Action<NpgsqlCommand> parameters, Action<NpgsqlDataReader> read, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("workspace", workspaceId);
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter("product", NpgsqlDbType.Uuid) { Value = productId is { } id ? id : DBNull.Value });
        parameters(command);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            read(reader);
        }
    }

    private static SalesFigures ReadFigures(NpgsqlDataReader reader, int at) =>
        new(reader.GetString(at), reader.GetInt32(at + 1), reader.GetInt64(at + 2), reader.GetInt64(at + 3), reader.GetInt64(at + 4));

    private static AnalyticsInterval Interval(SalesPeriod period) => period switch
    {
        SalesPeriod.Day => AnalyticsInterval.Day,
        SalesPeriod.Week => AnalyticsInterval.Week,
        _ => AnalyticsInterval.Month,
    };

    // The lines of the range's paid orders, each with its share of what the order collected and of what was refunded.
    // The workspace and paid_at are as OrderMarten's sales index has them, so PostgreSQL reads the range from it. An order
    // stored before orders had lines is its one line. A line's share is cut at the running total (floor(paid × lines up
    // to it / order total) less the same for the lines before), so an order's shares add up to exactly what it collected,
    // whatever the rounding; numeric, as paid × running total can pass bigint.
    private const string Lines = "with lines as (select d.id, d.paid_at, d.data ->> 'Currency' as currency, l.product_id, l.units, " +
        $"floor({Paid} * l.upto / l.total)::bigint - floor({Paid} * (l.upto - l.line_total) / l.total)::bigint as gross, " +
        $"floor({Refunded} * l.upto / l.total)::bigint - floor({Refunded} * (l.upto - l.line_total) / l.total)::bigint as refunded " +
        // Each order's lines are numbered and summed within the order (a lateral subquery), so the orders themselves are
        // read straight from the sales index, in no particular order.
        "from nexus.mt_doc_order d cross join lateral (select CAST(x.line ->> 'ProductId' as uuid) as product_id, CAST(x.line ->> 'Quantity' as bigint) as units, " +
        $"{LineTotal} as line_total, sum({LineTotal}) over (order by x.n) as upto, " +
        // A free order (total 0) has no shares to cut: nullif makes them null, which the sums count as nothing.
        $"nullif(sum({LineTotal}) over (), 0) as total " +
        "from jsonb_array_elements(case when jsonb_typeof(d.data -> 'Lines') = 'array' and jsonb_array_length(d.data -> 'Lines') > 0 " +
        "then d.data -> 'Lines' else jsonb_build_array(jsonb_build_object('ProductId', d.data -> 'ProductId', 'Quantity', d.data -> 'Quantity', 'UnitAmount', d.data -> 'UnitAmount')) end) " +
        "with ordinality x(line, n)) l " +
        "where CAST(d.data ->> 'WorkspaceId' as uuid) = @workspace and d.paid_at is not null and d.paid_at >= @from and d.paid_at < @to) ";

    private const string LineTotal = "CAST(x.line ->> 'Quantity' as bigint) * CAST(x.line ->> 'UnitAmount' as bigint)";

    private const string Paid = "CAST(d.data ->> 'AmountPaid' as numeric)";

    private const string Refunded = "CAST(d.data ->> 'AmountRefunded' as numeric)";

    private const string OfProduct = "where (@product::uuid is null or l.product_id = @product)";

    // What Stripe collected (AmountPaid) and what went back of it, shared among the lines: never summed across
    // currencies, as every group has one. An order with two lines of a group counts once.
    private const string Figures = "count(distinct l.id)::int, coalesce(sum(l.units), 0)::bigint, coalesce(sum(l.gross), 0)::bigint, coalesce(sum(l.refunded), 0)::bigint";
}

/// <summary>Sales in one currency: paid orders, units, what they collected and what was refunded of it (minor units).</summary>
public sealed record SalesFigures(string Currency, int Orders, long Units, long Gross, long Refunded)
{
    public long Net => Gross - Refunded;
}

/// <summary>One period's sales of one product in one currency.</summary>
public sealed record SalesRow(DateOnly Date, DateTimeOffset Start, DateTimeOffset End, Guid ProductId, SalesFigures Figures);

public sealed class SalesReportType : ObjectGraphType<SalesReport>
{
    public SalesReportType()
    {
        Name = "SalesReport";
        Description = "The storefront's paid orders in a range. An order counts in the period its payment arrived (paidAt) and its refunds count against that sale, " +
            "whenever they were made; PENDING and CANCELLED orders never count. Amounts are per currency, never added across currencies.";
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("from").Resolve(ctx => ctx.Source.From);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("to").Resolve(ctx => ctx.Source.To);
        Field<NonNullGraphType<SalesPeriodType>, SalesPeriod>("period").Resolve(ctx => ctx.Source.Period);
        Field<NonNullGraphType<TimeZoneScalar>, TimeZoneInfo>("timeZone").Description("The workspace's zone, whose midnights start the periods.").Resolve(ctx => ctx.Source.Zone);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SalesRowType>>>, IReadOnlyList<SalesRow>>("rows")
            .Description($"One row per period, product and currency with a paid order, by period start, then product id and currency; at most {SalesReport.MaxRows} (see `truncated`).")
            .ResolveAsync(async ctx => (await ctx.Source.RowsAsync(ctx.CancellationToken)).Rows);
        Field<NonNullGraphType<BooleanGraphType>, bool>("truncated")
            .Description($"Whether there were more than {SalesReport.MaxRows} rows (the later ones left out): narrow the range, use a longer period or name a product.")
            .ResolveAsync(async ctx => (await ctx.Source.RowsAsync(ctx.CancellationToken)).Truncated);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SalesFiguresType>>>, IReadOnlyList<SalesFigures>>("totals")
            .Description("The whole range per currency (all of it, even when `rows` is truncated), by currency code.")
            .ResolveAsync(async ctx => await ctx.Source.TotalsAsync(ctx.CancellationToken));
    }
}

public sealed class SalesRowType : ObjectGraphType<SalesRow>
{
    public SalesRowType()
    {
        Name = "SalesRow";
        Description = "One period's paid orders of one product in one currency: the lines of that product, each with its share of its order's payment and refunds. Only the range's orders count, so the first and last period may be partial.";
        Field<NonNullGraphType<StringGraphType>, string>("date").Description("The period's first local day, `yyyy-MM-dd` (a Monday for weeks, the 1st for months).")
            .Resolve(ctx => ctx.Source.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("start").Description("Local midnight of that day in the workspace's zone, as an instant.").Resolve(ctx => ctx.Source.Start);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("end").Description("Local midnight after the period.").Resolve(ctx => ctx.Source.End);
        Field<NonNullGraphType<IdGraphType>, string>("productId").Resolve(ctx => GlobalId.Encode(Product.TypeName, ctx.Source.ProductId));
        Field<ProductType, IDataLoaderResult<Product?>>("product").Description("The product as it is now.")
            .Resolve(ctx => ctx.Load(ProductNodeResolver.ById, ctx.Source.ProductId));
        SalesFiguresType.AddTo(this, row => row.Figures);
    }
}

public sealed class SalesFiguresType : ObjectGraphType<SalesFigures>
{
    public SalesFiguresType()
    {
        Name = "SalesFigures";
        Description = "Paid orders in one currency.";
        AddTo(this, figures => figures);
    }

    public static void AddTo<TSource>(ObjectGraphType<TSource> type, Func<TSource, SalesFigures> figures)
    {
        type.Field<NonNullGraphType<StringGraphType>, string>("currency").Description("ISO 4217, upper case.").Resolve(ctx => figures(ctx.Source).Currency);
        type.Field<NonNullGraphType<IntGraphType>, int>("orders").Description("Paid orders (refunded ones included).").Resolve(ctx => figures(ctx.Source).Orders);
        type.Field<NonNullGraphType<LongGraphType>, long>("units").Description("Units those orders bought.").Resolve(ctx => figures(ctx.Source).Units);
        type.Field<NonNullGraphType<MoneyType>, Money>("gross").Description("What Stripe collected for them.").Resolve(ctx => new Money(figures(ctx.Source).Gross, figures(ctx.Source).Currency));
        type.Field<NonNullGraphType<MoneyType>, Money>("refunded").Description("What went back of it, so far.").Resolve(ctx => new Money(figures(ctx.Source).Refunded, figures(ctx.Source).Currency));
        type.Field<NonNullGraphType<MoneyType>, Money>("net").Description("Gross less refunded (Stripe's fees not deducted).").Resolve(ctx => new Money(figures(ctx.Source).Net, figures(ctx.Source).Currency));
    }
}
