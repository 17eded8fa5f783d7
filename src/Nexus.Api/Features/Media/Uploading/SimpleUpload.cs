using Marten;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Nexus.Api.Features.Media.Adding;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure.Identity;

namespace Nexus.Api.Features.Media.Uploading;

/// <summary>
/// <c>POST /media/uploads?workspaceId=…</c> without <c>Tus-Resumable</c>: one request carries the whole file, as the
/// <c>file</c> part of <c>multipart/form-data</c> or as the raw body (its name then from <c>?filename=</c> or a
/// <c>Content-Disposition</c> header). Meant for pictures and other small files: anything above the image limit
/// (<see cref="MediaOptions.MaxImageBytes"/>) is refused with 413 as it streams in, before the rest is read. Answers 201
/// with the new item <c>{ id, name, kind, mime, width, height, durationSeconds, sizeBytes }</c>.
/// </summary>
public static class SimpleUpload
{
    // Multipart framing (boundaries, part headers) around the file itself.
    private const long FramingSlack = 64 * 1024;

    public static async Task HandleAsync(HttpContext http, IQuerySession session, AddToLibrary library, IOptions<MediaOptions> media, IOptions<UploadOptions> uploads)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (await BearerEndpoints.RefusedAnonymousAsync(http) || await UploadAccess.RateLimitedAsync(http))
        {
            return;
        }

        Guid workspaceId;
        try
        {
            workspaceId = WorkspaceAccess.ParseWorkspaceId(http.Request.Query["workspaceId"]);
        }
        catch (BadRequestError)
        {
            await UploadAnswers.ErrorAsync(http, StatusCodes.Status400BadRequest, UploadAnswers.BadRequest, "`workspaceId` (the workspace's global id) is required.");
            return;
        }

        if (await UploadAccess.CheckAsync(http.User, workspaceId, session, naming: true, http.RequestAborted) is { } refusal)
        {
            await UploadAccess.RefuseAsync(http, refusal);
            return;
        }

        var max = media.Value.MaxImageBytes;
        if (http.Request.ContentLength > max + FramingSlack)
        {
            await UploadAnswers.RejectedAsync(http, UploadAnswers.TooLarge(max));
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max + FramingSlack;
        }

        using var temp = TempFile.New(".upload");
        string? name;
        try
        {
            await using var output = new FileStream(temp.Path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            name = MultipartBoundary(http.Request.ContentType) is { } boundary
                ? await ReadFilePartAsync(http, boundary, output, max)
                : await ReadBodyAsync(http, output, max);
        }
        catch (MediaRejectedException rejected)
        {
            await UploadAnswers.RejectedAsync(http, rejected);
            return;
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException bad) when (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await UploadAnswers.RejectedAsync(http, UploadAnswers.TooLarge(max));
            return;
        }
        catch (Exception bad) when (bad is InvalidDataException or Microsoft.AspNetCore.Http.BadHttpRequestException or IOException && !http.RequestAborted.IsCancellationRequested)
        {
            await UploadAnswers.ErrorAsync(http, StatusCodes.Status400BadRequest, UploadAnswers.BadRequest, "The request body could not be read as a file.");
            return;
        }

        if (name is null)
        {
            await UploadAnswers.ErrorAsync(http, StatusCodes.Status400BadRequest, UploadAnswers.BadRequest, "The form has no `file` part.");
            return;
        }

        if (name.Length > uploads.Value.MaxFileNameLength)
        {
            await UploadAnswers.ErrorAsync(http, StatusCodes.Status400BadRequest, UploadAnswers.BadRequest, $"The file name is longer than {uploads.Value.MaxFileNameLength} characters.");
            return;
        }

        MediaAsset item;
        try
        {
            item = await library.AddAsync(new NewMedia(workspaceId, name, MediaOrigin.Upload, http.User.ActorId()!.Value), temp.Path, http.RequestAborted);
        }
        catch (MediaRejectedException rejected)
        {
            await UploadAnswers.RejectedAsync(http, rejected);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status201Created;
        await http.Response.WriteAsJsonAsync(UploadAnswers.Item(item), http.RequestAborted);
    }

    private static string? MultipartBoundary(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value is { Length: > 0 and <= 70 } boundary ? boundary : throw new InvalidDataException("No multipart boundary.")
            : null;

    /// <summary>Streams the <c>file</c> part into <paramref name="output"/>; answers its file name ("" when it has none), or null when there is no such part.</summary>
    private static async Task<string?> ReadFilePartAsync(HttpContext http, string boundary, Stream output, long max)
    {
        var reader = new MultipartReader(boundary, http.Request.Body);
        while (await reader.ReadNextSectionAsync(http.RequestAborted) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                && disposition.IsFileDisposition() && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal))
            {
                await UploadAnswers.CopyBoundedAsync(section.Body, output, max, http.RequestAborted);
                return HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
            }
        }

        return null;
    }

    private static async Task<string> ReadBodyAsync(HttpContext http, Stream output, long max)
    {
        await UploadAnswers.CopyBoundedAsync(http.Request.Body, output, max, http.RequestAborted);
        if (http.Request.Query["filename"].ToString() is { Length: > 0 } named)
        {
            return named;
        }

        return ContentDispositionHeaderValue.TryParse(http.Request.Headers.ContentDisposition.ToString(), out var disposition)
            ? HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? ""
            : "";
    }
}
