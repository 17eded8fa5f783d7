using System.ComponentModel;
using GraphQL;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media.Adding;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Infrastructure.Outbound;
using Wolverine.Attributes;

namespace Nexus.Api.Features.Media.Importing;

public sealed record ImportMedia(Guid WorkspaceId, Guid ActorId, string Url);

/// <summary>The URL is not one Nexus fetches from: not http(s), or it is (or redirects to) a private, loopback or link-local address.</summary>
public sealed record ImportUrlRefusedError(string Reason)
    : MutationError("URL_REFUSED", Reason, ["input", "url"]);

/// <summary>The source answered with an error, or could not be reached, or did not answer in time.</summary>
public sealed record ImportSourceFailedError(string Reason)
    : MutationError("SOURCE_FAILED", Reason, ["input", "url"]);

/// <summary>
/// Downloads a URL's file into the library: through <see cref="OutboundHttp"/> (public addresses only unless
/// <c>Nexus:Outbound:AllowPrivateAddresses</c>, every redirect checked again, a deadline), bounded by the largest kind's
/// size limit, to a temporary file; then the same step as an upload (<see cref="AddToLibrary"/>). The item is named
/// after the URL's last path segment.
/// </summary>
public sealed class MediaImporter(OutboundHttp http, AddToLibrary library, IOptions<MediaOptions> options)
{
    public const int MaxUrlLength = 2000;

    public async Task<Outcome<Guid, ImportUrlRefusedError, ImportSourceFailedError, UnsupportedMediaError, MediaTooLargeError, Billing.PlanLimitError>> ImportAsync(ImportMedia command, CancellationToken ct)
    {
        if (command.Url.Length > MaxUrlLength || !Uri.TryCreate(command.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(url.UserInfo) || url.Host.Length == 0)
        {
            return new ImportUrlRefusedError($"Use an absolute http or https URL without credentials, at most {MaxUrlLength} characters.");
        }

        var media = options.Value;
        var limit = Math.Max(media.MaxVideoBytes, Math.Max(media.MaxAudioBytes, media.MaxImageBytes));
        using var temp = TempFile.New(".import");
        try
        {
            using var response = await http.GetAsync(url, new OutboundLimits(MaxBytes: limit), ct);
            if (!response.IsSuccessStatusCode)
            {
                return new ImportSourceFailedError($"The source answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            await using var body = await response.Content.ReadAsStreamAsync(ct);
            await using var output = new FileStream(temp.Path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await body.CopyToAsync(output, ct);
        }
        catch (OutboundException refused)
        {
            return refused.Failure switch
            {
                OutboundFailure.TooLarge => new MediaTooLargeError($"The file is larger than {limit / 1024.0 / 1024.0:0.#} MB, the most the library accepts."),
                OutboundFailure.TimedOut => new ImportSourceFailedError("The source did not send the file in time."),
                _ => new ImportUrlRefusedError(refused.Message),
            };
        }
        catch (HttpRequestException failed)
        {
            // The kind of failure only: a transport error's text can name resolved addresses.
            return new ImportSourceFailedError($"The source could not be reached ({failed.HttpRequestError}).");
        }

        try
        {
            var name = Uri.UnescapeDataString(url.AbsolutePath.TrimEnd('/') is { Length: > 0 } path ? path[(path.LastIndexOf('/') + 1)..] : "");
            var item = await library.AddAsync(new NewMedia(command.WorkspaceId, name, MediaOrigin.Import, command.ActorId), temp.Path, ct);
            return item.Id;
        }
        catch (MediaRejectedException rejected) when (rejected.PlanLimit is { } full)
        {
            return full;
        }
        catch (MediaRejectedException rejected) when (rejected.Code == MediaRejectedException.TooLarge)
        {
            return new MediaTooLargeError(rejected.Message);
        }
        catch (MediaRejectedException rejected)
        {
            return new UnsupportedMediaError(rejected.Message);
        }
    }
}

public static class ImportMediaHandler
{
    public const int ImportTimeoutSeconds = 15 * 60;

    // The download waits on another machine, and the library step has its own session: no transaction around it.
    // Wolverine's default of 60 s would cut a large video's download (Nexus:Outbound:Timeout bounds it, 10 min by default).
    [MessageTimeout(ImportTimeoutSeconds)]
    public static Task<Outcome<Guid, ImportUrlRefusedError, ImportSourceFailedError, UnsupportedMediaError, MediaTooLargeError, Billing.PlanLimitError>> HandleAsync(ImportMedia command,
        MediaImporter importer, CancellationToken ct) => importer.ImportAsync(command, ct);
}

public sealed record ImportMediaInput(
    [property: Id] string WorkspaceId,
    [property: Description("The file's http(s) URL, at most 2000 characters, on a public address; redirects are followed (three at most, each to a public address).")]
    string Url) : IWorkspaceInput;

public sealed class ImportMediaMutation() : Mutation<ImportMediaInput, ImportMedia, Guid>("importMedia",
    "Downloads a picture, video or sound from a URL into the workspace's media library; its type is decided from the content and it is held to the same limits as an upload.",
    WorkspaceAccess.Needs(Role.Editor).Scope(AppScope.MediaWrite),
    Payload<Guid>.Of<MediaItemType>("media", "The new library item; null when `errors` is not empty.",
        async (context, id) => await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<MediaAsset>(id, context.CancellationToken)),
    (input, caller) => new(caller.WorkspaceId(), caller.ActorId, input.Url));
