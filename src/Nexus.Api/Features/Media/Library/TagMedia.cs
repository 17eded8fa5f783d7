using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;

namespace Nexus.Api.Features.Media.Library;

/// <summary>Replaces a library item's tags (see <see cref="MediaTags"/>); an empty list removes them all.</summary>
public sealed record TagMedia(Guid MediaId, Guid ByActorId, IReadOnlyList<string> Tags)
{
    public sealed class Validator : AbstractValidator<TagMedia>
    {
        public Validator()
        {
            RuleFor(c => c.Tags).Must(tags => MediaTags.Normalize(tags).Count <= MediaTags.MaxTags).WithMessage($"An item has at most {MediaTags.MaxTags} tags.");
            RuleForEach(c => c.Tags).Must(tag => MediaTags.Problem((tag ?? "").Trim()) is null)
                .WithMessage((_, tag) => MediaTags.Problem((tag ?? "").Trim()));
        }
    }
}

public static class TagMediaHandler
{
    public static async Task<Outcome<Guid, MediaNotFoundError>> HandleAsync(TagMedia command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<MediaAsset>(command.MediaId, ct);
        if (stream.Aggregate is not { Deleted: false } item)
        {
            return new MediaNotFoundError();
        }

        var tags = MediaTags.Normalize(command.Tags);
        if (!tags.SequenceEqual(item.Tags))
        {
            stream.AppendOne(new MediaTagged(item.Id, tags, command.ByActorId, now));
        }

        return item.Id;
    }
}

public sealed record TagMediaInput(
    [property: Id] string MediaId,
    [property: DescribedAs("The item's new tags, replacing its current ones: at most {0}, each 1 to {1} characters, stored trimmed and lower-case.", MediaTags.MaxTags, MediaTags.MaxTagLength)]
    IReadOnlyList<string> Tags) : IMediaInput;

public sealed class TagMediaMutation() : Mutation<TagMediaInput, TagMedia, Guid>("tagMedia", "Replaces a library item's tags.",
    MediaAccess.Needs(Role.Editor).Scope(AppScope.MediaWrite), MediaPayloads.Media, (input, caller) => new(caller.MediaId(), caller.ActorId, input.Tags ?? []));
