namespace Nexus.Api.Platforms.Pinterest;

/// <summary>Pinterest's log lines: ids and states only, never tokens or upload parameters.</summary>
internal static partial class PinterestLog
{
    [LoggerMessage(EventId = 8701, Level = LogLevel.Information, Message = "Pinterest video {MediaId} uploaded ({Bytes} bytes); waiting for processing")]
    public static partial void VideoUploaded(this ILogger logger, string mediaId, long bytes);

    [LoggerMessage(EventId = 8702, Level = LogLevel.Debug, Message = "Pinterest video {MediaId} is {Status} (check {Poll})")]
    public static partial void MediaStatus(this ILogger logger, string mediaId, string status, int poll);

    [LoggerMessage(EventId = 8703, Level = LogLevel.Information, Message = "Pinterest Pin {PinId} created on board {BoardId} for {Account}")]
    public static partial void PinCreated(this ILogger logger, string pinId, string boardId, string account);
}
