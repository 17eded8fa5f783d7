using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
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

    public static (Outcome<Guid>, IMartenOp) Handle(UpdateProfile command, User? user, DateTimeOffset now)
    {
        if (user is null)
        {
            return (Outcome<Guid>.Fail(new InvalidTokenError()), MartenOps.Nothing());
        }

        var updated = new ProfileUpdated(user.Id, command.DisplayName.Trim(), Blank(command.AvatarUrl), Blank(command.Bio),
            command.TimeZone is null ? null : TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone).Id, now);
        var unchanged = updated.DisplayName == user.DisplayName && updated.AvatarUrl == user.AvatarUrl && updated.Bio == user.Bio && updated.TimeZone == user.TimeZone;
        return (Outcome<Guid>.Ok(user.Id), unchanged ? MartenOps.Nothing() : MartenOps.Append(user.Id, updated));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

public sealed record UpdateProfileInput(string DisplayName, string? AvatarUrl, string? Bio, string? TimeZone);

[MutationType]
public sealed class UpdateProfileMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<UpdateProfileInputType, UpdateProfilePayloadType>("updateProfile", "Replaces the caller's profile.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<UpdateProfileInput>("input");
                var userId = ctx.UserId() ?? throw new ForbiddenError("Only people have profiles; sign in as a user.");
                return await ctx.SendForAccountAsync(new UpdateProfile(userId, input.DisplayName, input.AvatarUrl, input.Bio, input.TimeZone));
            });
}

public sealed class UpdateProfileInputType : InputObjectGraphType<UpdateProfileInput>
{
    public UpdateProfileInputType()
    {
        Name = "UpdateProfileInput";
        Field(i => i.DisplayName);
        Field(i => i.AvatarUrl, nullable: true).Description("An https:// image URL; null removes it.");
        Field(i => i.Bio, nullable: true).Description($"At most {UpdateProfile.MaxBioLength} characters; null removes it.");
        Field(i => i.TimeZone, nullable: true).Description("An IANA time-zone id for showing times; null uses each workspace's.");
    }
}

public sealed class UpdateProfilePayloadType() : AccountPayloadType<UpdateProfileErrorType>("UpdateProfilePayload");

public sealed class UpdateProfileErrorType() : ErrorUnionType("UpdateProfileError");
