namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// The options LinkedIn reads (<c>options.linkedin</c>): <c>visibility</c>, <c>disableReshare</c>, <c>firstComment</c>
/// (a comment Nexus posts right after publishing) and <c>videoTitle</c>.
/// </summary>
public static class LinkedInPostOptions
{
    public static readonly PlatformOptionSchema Schema = new(PlatformId.LinkedIn, "linkedin", "LinkedInOptionsInput", "LinkedIn: visibility, resharing, first comment, video title.");
    public static readonly StringOption Visibility = Schema.String("visibility", "PUBLIC (default) or CONNECTIONS.");
    public static readonly BooleanOption DisableReshare = Schema.Boolean("disableReshare", "Forbid resharing.");
    public static readonly StringOption FirstComment = Schema.String("firstComment", "A comment posted right after publishing.");
    public static readonly StringOption VideoTitle = Schema.String("videoTitle", "A video's title.");
}
