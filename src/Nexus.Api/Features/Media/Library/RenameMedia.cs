using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;

namespace Nexus.Api.Features.Media.Library;

/// <summary>Renames a library item: 1 to 200 characters once trimmed, no control characters.</summary>
public sealed record RenameMedia(Guid MediaId, Guid ByActorId, string Name)
{
    public const int MaxNameLength = 200;

    public sealed class Validator : AbstractValidator<RenameMedia>
    {
        public Validator() => RuleFor(c => c.Name)
            .Must(name => !string.IsNullOrWhiteSpace(name)).WithMessage("Enter a name.")
            .Must(name => (name ?? "").Trim().Length <= MaxNameLength).WithMessage($"A media name has at most {MaxNameLength} characters.")
            .Must(name => !(name ?? "").Trim().Any(char.IsControl)).WithMessage("A media name cannot contain control characters (line breaks, tabs).");
    }
}

public static class RenameMediaHandler
{
    public static async Task<Outcome<Guid, MediaNotFoundError>> HandleAsync(RenameMedia command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<MediaAsset>(command.MediaId, ct);
        if (stream.Aggregate is not { Deleted: false } item)
        {
            return new MediaNotFoundError();
        }

        var name = command.Name.Trim();
        if (name != item.Name)
        {
            stream.AppendOne(new MediaRenamed(item.Id, name, command.ByActorId, now));
        }

        return item.Id;
    }
}

public sealed record RenameMediaInput(
    [property: Id] string MediaId,
    [property: DescribedAs("1 to {0} characters once trimmed; no line breaks or other control characters.", RenameMedia.MaxNameLength)] string Name) : IMediaInput;

public sealed class RenameMediaMutation() : Mutation<RenameMediaInput, RenameMedia, Guid>("renameMedia", "Renames a library item.",
    MediaAccess.Needs(Role.Editor).Scope(AppScope.MediaWrite), MediaPayloads.Media, (input, caller) => new(caller.MediaId(), caller.ActorId, input.Name));
