namespace Nexus.Api.Infrastructure.Email;

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Connect in plain text, then require <c>STARTTLS</c> (usually port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    SslOnConnect,

    /// <summary>No TLS at all: only for a relay on the same host or network.</summary>
    None,
}

/// <summary>The SMTP relay, bound from <c>Nexus:Smtp</c>. Setting <see cref="Host"/> switches email from the mail drop to SMTP.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Nexus:Smtp";

    /// <summary>The relay's host name; when unset, email goes to the mail drop instead.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>The user to authenticate as; no authentication when unset.</summary>
    public string? Username { get; set; }

    /// <summary>A secret: comes from the environment or user secrets, never from a file in the repository.</summary>
    public string? Password { get; set; }

    /// <summary>The <c>From</c> header of every email (also used by the mail drop).</summary>
    public string From { get; set; } = "Nexus <no-reply@localhost>";

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>How long one network operation (connect, a command, the upload) may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
