using System.Buffers.Text;
using System.Globalization;
using System.Text;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using GraphQL.Types.Relay.DataObjects;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.GraphQL.Relay;

/// <summary>
/// Keyset pagination for every connection: <c>first</c> (1..<see cref="MaxPageSize"/>, default
/// <see cref="DefaultPageSize"/>) and <c>after</c>, an opaque cursor holding the list's name, the sort key(s) of
/// the last row seen and its id. Slices fetch <c>first + 1</c> rows strictly after those keys in their own stable
/// order (never by position, so rows added or removed between two pages neither repeat nor vanish) and hand them
/// to <see cref="ToConnection{T}"/>.
/// </summary>
public static class Paging
{
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;
    private const int MaxCursorLength = 512;
    private const char Separator = '|';

    /// <summary>
    /// Adds <c>first</c> and <c>after</c> to a connection field. A <paramref name="defaultPageSize"/> other than
    /// <see cref="DefaultPageSize"/> becomes the argument's default value in the schema, where clients see it and the
    /// cost estimate reads it.
    /// </summary>
    public static FieldBuilder<TSource, TReturn> Paged<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field, int defaultPageSize = DefaultPageSize) =>
        field
            .Argument<IntGraphType>("first", $"How many items to return, 1 to {MaxPageSize} (default {defaultPageSize}).",
                argument => argument.DefaultValue = defaultPageSize == DefaultPageSize ? null : defaultPageSize)
            .Argument<StringGraphType>("after", "Return the items after this cursor (a previous page's `endCursor`).");

    /// <summary>Reads and checks the paging arguments; an invalid value is a client error, not a silent clamp.</summary>
    public static PageRequest GetPageRequest(this IResolveFieldContext context)
    {
        var first = context.GetArgument<int?>("first") ?? DefaultPageSize;
        if (first is < 1 or > MaxPageSize)
        {
            throw new BadRequestError($"`first` must be between 1 and {MaxPageSize}.");
        }

        var after = context.GetArgument<string?>("after");
        string? afterKey = null;
        if (after is not null && !TryDecodeCursor(after, out afterKey))
        {
            throw InvalidCursor();
        }

        return new PageRequest(first, afterKey, WantsTotalCount(context));
    }

    /// <summary>The key a cursor carries: the list it belongs to, then the row's sort key(s) and id.</summary>
    public static string Key(string list, params string[] parts) => string.Join(Separator, [list, .. parts]);

    public static string EncodeCursor(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("c:" + key));

    public static bool TryDecodeCursor(string cursor, out string key)
    {
        key = "";
        if (cursor.Length > MaxCursorLength)
        {
            return false;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (!text.StartsWith("c:", StringComparison.Ordinal))
            {
                return false;
            }

            key = text[2..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static BadRequestError InvalidCursor() => new("`after` is not a valid cursor for this list.");

    /// <summary>
    /// Builds a page from rows fetched in order after the cursor; <paramref name="rows"/> may hold one row more
    /// than requested, which only tells that a next page exists. <paramref name="keyOf"/> gives a row's
    /// <see cref="Key"/>.
    /// </summary>
    public static Connection<T> ToConnection<T>(IReadOnlyList<T> rows, PageRequest request, Func<T, string> keyOf, int? totalCount = null)
    {
        var page = rows.Take(request.First).ToList();
        var edges = page.Select(row => new Edge<T> { Node = row, Cursor = EncodeCursor(keyOf(row)) }).ToList();
        return new Connection<T>
        {
            Edges = edges,
            TotalCount = totalCount,
            PageInfo = new PageInfo
            {
                HasNextPage = rows.Count > request.First,
                HasPreviousPage = request.AfterKey is not null,
                StartCursor = edges.FirstOrDefault()?.Cursor,
                EndCursor = edges.LastOrDefault()?.Cursor,
            },
        };
    }

    // Counting is a query of its own: only run it when the client asked for totalCount.
    private static bool WantsTotalCount(IResolveFieldContext context) =>
        context.SubFields?.Values.Any(f => f.FieldType.Name == "totalCount") ?? false;
}

/// <summary>
/// A checked page request: how many rows, after which cursor key (null for the first page), and whether
/// <c>totalCount</c> was selected.
/// </summary>
public readonly record struct PageRequest(int First, string? AfterKey, bool CountTotal = false)
{
    /// <summary>
    /// The sort key(s) and id of the cursor, when it was made by <paramref name="list"/> with
    /// <paramref name="parts"/> parts; null on the first page. Any other cursor is a <c>BAD_REQUEST</c>.
    /// </summary>
    public string[]? After(string list, int parts)
    {
        if (AfterKey is null)
        {
            return null;
        }

        var split = AfterKey.Split('|');
        return split.Length == parts + 1 && split[0] == list ? split[1..] : throw Paging.InvalidCursor();
    }

    /// <summary>A <see cref="Guid"/> part of the cursor (32 hex digits).</summary>
    public static Guid GuidPart(string part) =>
        Guid.TryParseExact(part, "N", out var id) ? id : throw Paging.InvalidCursor();

    /// <summary>A <see cref="long"/> part of the cursor (plain digits, within <paramref name="min"/>..<paramref name="max"/>).</summary>
    public static long LongPart(string part, long min = 0, long max = long.MaxValue) =>
        long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value : throw Paging.InvalidCursor();
}
