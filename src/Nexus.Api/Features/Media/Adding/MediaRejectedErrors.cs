using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Media;

/// <summary>The file is not media Nexus accepts (its content, whatever its name says), or is damaged.</summary>
public sealed record UnsupportedMediaError(string Detail)
    : MutationError(MediaRejectedException.Unsupported, Detail, null);

/// <summary>The file is larger, has more pixels, or lasts longer than the library accepts for its kind.</summary>
public sealed record MediaTooLargeError(string Detail)
    : MutationError(MediaRejectedException.TooLarge, Detail, null);

public static class MediaRejections
{
    /// <summary>The typed error for a refusal by probing (see <see cref="MediaRejectedException.Code"/>).</summary>
    public static MutationError ToError(this MediaRejectedException rejected) => rejected.Code == MediaRejectedException.TooLarge
        ? new MediaTooLargeError(rejected.Message)
        : new UnsupportedMediaError(rejected.Message);
}
