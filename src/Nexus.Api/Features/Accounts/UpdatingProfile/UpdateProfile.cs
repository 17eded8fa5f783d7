using System.ComponentModel;
using FluentValidation;
using Marten;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Scalars;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.UpdatingProfile;

/// <summary>Replaces the profile: display name, avatar URL, bio and time zone (null clears an optional one).</summary>
public sealed record UpdateProfile(Guid UserId, string DisplayName, string? AvatarUrl, string? Bio, string? TimeZone)
{
    public const int MaxBioLength = 500;

    public sealed class Validator : AbstractValidator<UpdateProfile>
    {
        public Validator()
        {
            RuleFor(c => c.DisplayName).ValidDisplayName();
            RuleFor(c => c.AvatarUrl)
                .Must(url => url is null || (url.Length <= 2048 && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
                .WithMessage("The avatar must be an https:// URL of at most 2048 characters.");
            RuleFor(c => c.Bio).Must(bio => bio is null || bio.Length <= MaxBioLength).WithMessage($"The bio has at most {MaxBioLength} characters.");
            RuleFor(c => c.TimeZone).Must(zone => zone is null || TimeZoneScalar.TryFind(zone, out _))
                .WithMessage("Use an IANA time-zone id, like Europe/Berlin.");
        }
    }
}

public static class UpdateProfileHandler
{
    public static Task<User?> LoadAsync(UpdateProfile command, IQuerySession session, CancellationToken ct) => session.LoadAsync<User>(command.UserId, ct);

    public static (Outcome<Guid, NoError>, IMartenOp) Handle(UpdateProfile command, User? user, DateTimeOffset now)
    {
        // An account deleted since the access token was issued has no profile to change; its payload's user is null.
        if (user is null)
        {
            return (command.UserId, MartenOps.Nothing());
        }

        var updated = new ProfileUpdated(user.Id, command.DisplayName.Trim(), Blank(command.AvatarUrl), Blank(command.Bio),
            command.TimeZone is null ? null : TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone).Id, now);
        var unchanged = updated.DisplayName == user.DisplayName && updated.AvatarUrl == user.AvatarUrl && updated.Bio == user.Bio && updated.TimeZone == user.TimeZone;
        return (user.Id, unchanged ? MartenOps.Nothing() : MartenOps.Append(user.Id, updated));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

public sealed record UpdateProfileInput(
    string DisplayName,
    [property: Description("An https:// image URL; null removes it.")] string? AvatarUrl,
    [property: DescribedAs("At most {0} characters; null removes it.", UpdateProfile.MaxBioLength)] string? Bio,
    [property: Description("An IANA time-zone id for showing times; null uses each workspace's.")] string? TimeZone);

public sealed class UpdateProfileMutation() : Mutation<UpdateProfileInput, UpdateProfile, Guid>("updateProfile", "Replaces the caller's profile.",
    Access.SignedIn.FirstPartyOnly(), AccountPayloads.User, (input, caller) => new(caller.UserId, input.DisplayName, input.AvatarUrl, input.Bio, input.TimeZone));
