namespace Nexus.Api.Infrastructure.Email;

/// <summary>Email settings other than the SMTP relay, bound from <c>Nexus:Email</c>.</summary>
public sealed class EmailOptions
{
    public const string Section = "Nexus:Email";

    /// <summary>
    /// Where the mail drop writes <c>.eml</c> files when no SMTP host is set. A relative path is resolved against
    /// the working directory, or in Development inside a checkout against the repository root, so that under
    /// <c>./build.sh run</c> the drop is <c>&lt;repository&gt;/.data/mail</c>.
    /// </summary>
    public string DropDirectory { get; set; } = Path.Combine(".data", "mail");
}
