namespace Nexus.Api.Platforms.TikTok;

/// <summary>TikTok's log lines: ids and states only, never tokens or upload URLs.</summary>
internal static partial class TikTokLog
{
    [LoggerMessage(EventId = 8501, Level = LogLevel.Information, Message = "TikTok accepted {Format} publish {PublishId} for account {Account}")]
    public static partial void Started(this ILogger logger, string format, string publishId, string account);

    [LoggerMessage(EventId = 8502, Level = LogLevel.Information, Message = "TikTok publish {PublishId} ended {Status} (post id {PostId})")]
    public static partial void Completed(this ILogger logger, string publishId, string status, string? postId);

    [LoggerMessage(EventId = 8503, Level = LogLevel.Warning, Message = "TikTok publish {PublishId} failed: {FailReason}")]
    public static partial void Failed(this ILogger logger, string publishId, string? failReason);

    [LoggerMessage(EventId = 8504, Level = LogLevel.Debug, Message = "TikTok status for {PublishId} unreadable on poll {Poll}: {Code}")]
    public static partial void PollFailed(this ILogger logger, string publishId, int poll, string? code);
}
