namespace Nexus.Api.Features.Analytics;

/// <summary>
/// The one definition of engagement, shared by every figure Nexus shows (a post's metrics, the dashboard, best
/// times) and repeated word for word in the schema's descriptions, so that two screens never disagree.
/// </summary>
public static class Engagement
{
    /// <summary>The definition as the schema states it.</summary>
    public const string Definition =
        "Engagements = likes + comments + shares + saves (a figure the platform does not give adds nothing; null when it gives none of the four). " +
        "Engagement rate = engagements ÷ impressions, or ÷ reach where the platform gives no impressions; null when that denominator is null or 0.";

    /// <summary>likes + comments + shares + saves; absent figures add nothing; null when all four are absent.</summary>
    public static long? Engagements(long? likes, long? comments, long? shares, long? saves) =>
        likes is null && comments is null && shares is null && saves is null
            ? null
            : (likes ?? 0) + (comments ?? 0) + (shares ?? 0) + (saves ?? 0);

    /// <summary>
    /// Engagements ÷ impressions, or ÷ reach when there are no impressions (an X post has no reach, a LinkedIn page post
    /// may have no impressions): never a ratio of a guessed denominator. Null when the denominator is null or 0.
    /// </summary>
    public static double? Rate(long? engagements, long? impressions, long? reach)
    {
        var denominator = impressions ?? reach;
        return engagements is { } e && denominator is > 0 ? (double)e / denominator.Value : null;
    }
}
