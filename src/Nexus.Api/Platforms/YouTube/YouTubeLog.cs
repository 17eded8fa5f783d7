namespace Nexus.Api.Platforms.YouTube;

/// <summary>YouTube's log lines: ids, sizes and states only, never tokens or upload session URIs.</summary>
internal static partial class YouTubeLog
{
    [LoggerMessage(EventId = 8601, Level = LogLevel.Information, Message = "YouTube upload session opened for channel {Channel} ({Bytes} bytes)")]
    public static partial void SessionStarted(this ILogger logger, string channel, long bytes);

    [LoggerMessage(EventId = 8602, Level = LogLevel.Warning, Message = "YouTube upload interrupted at byte {Offset} of {Total} (attempt {Attempt}); resuming")]
    public static partial void Interrupted(this ILogger logger, long offset, long total, int attempt);

    [LoggerMessage(EventId = 8603, Level = LogLevel.Information, Message = "YouTube video {VideoId} uploaded for channel {Channel}")]
    public static partial void Uploaded(this ILogger logger, string videoId, string channel);

    [LoggerMessage(EventId = 8604, Level = LogLevel.Warning,
        Message = "YouTube made video {VideoId} {Actual} instead of {Requested} (an unverified API project's uploads are forced private)")]
    public static partial void PrivacyChanged(this ILogger logger, string videoId, string? actual, string requested);

    [LoggerMessage(EventId = 8605, Level = LogLevel.Warning,
        Message = "YouTube Analytics refused the watch-time report ({Code}: {Reason}); views, likes and comments are kept, watch time stays empty")]
    public static partial void AnalyticsRefused(this ILogger logger, string? code, string reason);
}
