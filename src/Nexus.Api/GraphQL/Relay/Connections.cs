using System.Buffers.Text;
using System.Text;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using GraphQL.Types.Relay.DataObjects;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.GraphQL.Relay;

/// <summary>
/// Cursor pagination for every list: <c>first</c> (1..<see cref="MaxPageSize"/>, default
/// <see cref="DefaultPageSize"/>) and <c>after</c>, an opaque cursor. Slices fetch <c>first + 1</c> rows after the
/// decoded cursor in their own stable order and hand them to <see cref="ToConnection{T}"/>.
/// </summary>
public static class Paging
{
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;

    /// <summary>Adds <c>first</c> and <c>after</c> to a connection field.</summary>
    public static FieldBuilder<TSource, TReturn> Paged<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field) =>
        field
            .Argument<IntGraphType>("first", $"How many items to return, 1 to {MaxPageSize} (default {DefaultPageSize}).")
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
            throw new BadRequestError("`after` is not a valid cursor.");
        }

        return new PageRequest(first, afterKey);
    }

    public static string EncodeCursor(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("c:" + key));

    public static bool TryDecodeCursor(string cursor, out string key)
    {
        key = "";
        if (cursor.Length > 512)
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

    /// <summary>
    /// Builds a page from rows fetched in order after the cursor; <paramref name="rows"/> may hold one row more
    /// than requested, which only tells that a next page exists.
    /// </summary>
    public static Connection<T> ToConnection<T>(IReadOnlyList<T> rows, PageRequest request, Func<T, string> keyOf)
    {
        var page = rows.Take(request.First).ToList();
        var edges = page.Select(row => new Edge<T> { Node = row, Cursor = EncodeCursor(keyOf(row)) }).ToList();
        return new Connection<T>
        {
            Edges = edges,
            PageInfo = new PageInfo
            {
                HasNextPage = rows.Count > request.First,
                HasPreviousPage = request.AfterKey is not null,
                StartCursor = edges.FirstOrDefault()?.Cursor,
                EndCursor = edges.LastOrDefault()?.Cursor,
            },
        };
    }
}

/// <summary>A checked page request: how many rows, after which key (null for the first page).</summary>
public readonly record struct PageRequest(int First, string? AfterKey);
