using System.Buffers;
using System.Globalization;
using Nexus.Api.GraphQL.Relay;

namespace Nexus.Api.Features.Media.Uploading;

/// <summary>
/// What <c>/media/uploads</c> answers besides auth refusals (those are <see cref="Infrastructure.Identity.BearerEndpoints"/>'):
/// a JSON body <c>{ code, message }</c> with the media codes (UNSUPPORTED_MEDIA, MEDIA_TOO_LARGE) or BAD_REQUEST …
/// </summary>
internal static class UploadAnswers
{
    public const string BadRequest = "BAD_REQUEST";
    public const string NotFound = "NOT_FOUND";

    public static Task ErrorAsync(HttpContext http, int status, string code, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { code, message }, CancellationToken.None);
    }

    public static Task RejectedAsync(HttpContext http, MediaRejectedException rejected)
    {
        return rejected.PlanLimit is { } plan ? Billing.PlanLimitAnswer.WriteAsync(http, plan) : ErrorAsync(http, StatusOf(rejected), rejected.Code, rejected.Message);
    }

    public static int StatusOf(MediaRejectedException rejected) => rejected.Code switch
    {
        MediaRejectedException.TooLarge => StatusCodes.Status413PayloadTooLarge,
        // Not the file's fault: the same file fits once the library is smaller or the plan larger.
        Billing.PlanLimitError.ErrorCode => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status415UnsupportedMediaType,
    };

    public static MediaRejectedException TooLarge(long limit) =>
        new(MediaRejectedException.TooLarge, string.Create(CultureInfo.InvariantCulture, $"The file is larger than {limit / 1024.0 / 1024.0:0.#} MB, the most accepted here."));

    /// <summary>The new item as the simple upload answers it (its global id is the <c>MediaItem</c>'s).</summary>
    public static object Item(MediaAsset item) => new
    {
        id = GlobalId.Encode(MediaItemType.TypeName, item.Id),
        name = item.Name,
        kind = item.Facts.Kind.ToString().ToUpperInvariant(),
        mime = item.Facts.Mime,
        width = item.Facts.Width,
        height = item.Facts.Height,
        durationSeconds = item.Facts.DurationSeconds,
        sizeBytes = item.Facts.SizeBytes,
    };

    /// <summary>Copies <paramref name="from"/> to the end into <paramref name="to"/>, refusing (as it streams) more than <paramref name="max"/> bytes.</summary>
    public static async Task<long> CopyBoundedAsync(Stream from, Stream to, long max, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long total = 0;
            int read;
            while ((read = await from.ReadAsync(buffer, ct)) > 0)
            {
                total += read;
                if (total > max)
                {
                    throw TooLarge(max);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), ct);
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
