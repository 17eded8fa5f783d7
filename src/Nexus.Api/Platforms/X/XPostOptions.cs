namespace Nexus.Api.Platforms.X;

/// <summary>
/// The options X reads (<c>options.x</c>): <c>replySettings</c> (who may reply), <c>replyTo</c> (the id of a post to
/// answer) and <c>firstComment</c> (a reply Nexus posts right after publishing).
/// </summary>
public static class XPostOptions
{
    public static readonly PlatformOptionSchema Schema = new(PlatformId.X, "x", "XOptionsInput", "X: who may reply, reply-to, first reply.");
    public static readonly StringOption ReplySettings = Schema.String("replySettings", "following, mentionedUsers, subscribers or verified.");
    public static readonly StringOption ReplyTo = Schema.String("replyTo", "The id of a post to reply to.");
    public static readonly StringOption FirstComment = Schema.String("firstComment", "A reply posted right after publishing.");
}
