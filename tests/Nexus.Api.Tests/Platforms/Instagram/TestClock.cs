namespace Nexus.Api.Tests.Platforms.Instagram;

/// <summary>
/// A clock whose "now" stands still unless a test moves it (timers still run in real time, so polling and retry
/// delays stay short and real). Shared with the Facebook tests.
/// </summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
