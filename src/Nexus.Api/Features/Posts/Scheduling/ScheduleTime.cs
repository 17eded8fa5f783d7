using FluentValidation;
using Nexus.Api.Features.Workspaces;

namespace Nexus.Api.Features.Posts.Scheduling;

/// <summary>
/// When to publish: either an instant (<c>At</c>, with its offset) or a local wall time (<c>LocalTime</c>) in
/// <c>TimeZone</c>, which defaults to the workspace's. Wall times in a daylight-saving gap or overlap are resolved
/// explicitly (see <see cref="WallClock"/>) and the resolution is recorded.
/// </summary>
public interface IScheduleTime
{
    DateTimeOffset? At { get; }

    string? LocalTime { get; }

    string? TimeZone { get; }
}

public static class ScheduleTime
{
    public static ZonedTime Resolve(IScheduleTime time, Workspace workspace)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(time.TimeZone ?? workspace.TimeZone);
        return time.At is { } at ? WallClock.FromInstant(at, zone)
            : WallClock.TryParseLocal(time.LocalTime, out var local) ? WallClock.FromLocal(local, zone)
            : throw new InvalidOperationException("The validator lets no time through without At or LocalTime.");
    }

    public static void Rules<T>(AbstractValidator<T> validator) where T : IScheduleTime
    {
        validator.RuleFor(t => t.At).NotNull().When(t => t.LocalTime is null).WithMessage("Give `at` (an instant) or `localTime` (a wall time in `timeZone`).");
        validator.RuleFor(t => t.LocalTime).Null().When(t => t.At is not null).WithMessage("Give either `at` or `localTime`, not both.");
        validator.RuleFor(t => t.LocalTime).Must(l => WallClock.TryParseLocal(l, out _)).When(t => t.LocalTime is not null)
            .WithMessage($"`localTime` is a wall time like 2026-03-29T02:30 (no offset: the zone gives it), in the years {WallClock.FirstYear} to {WallClock.LastYear}.");
        validator.RuleFor(t => t.At).Must(at => at!.Value.Year is >= WallClock.FirstYear and <= WallClock.LastYear).When(t => t.At is not null)
            .WithMessage($"`at` must be in the years {WallClock.FirstYear} to {WallClock.LastYear}.");
    }
}
