using System.Text;

namespace Nexus.Api.Infrastructure.Email;

/// <summary>
/// One email to one person. <see cref="Kind"/> names what the email is for (<c>verify-email</c>,
/// <c>password-reset</c>, <c>invitation</c>): it goes into the <c>X-Nexus-Kind</c> header, the mail-drop file
/// name and the log, so that tests and operators can find a message without reading its body.
/// </summary>
/// <param name="Kind">A short lower-case slug naming the purpose of the email.</param>
/// <param name="To">The recipient's address.</param>
/// <param name="Subject">The subject line.</param>
/// <param name="TextBody">The plain-text body; every email has one.</param>
/// <param name="HtmlBody">An optional HTML alternative to <paramref name="TextBody"/>.</param>
public sealed record EmailMessage(string Kind, string To, string Subject, string TextBody, string? HtmlBody = null)
{
    // Bodies carry single-use tokens (verification, reset, invitation links): the record's generated ToString,
    // which exceptions and log lines reach easily, must not print them, nor more of the address than the log may.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Kind = ").Append(Kind).Append(", To = *@").Append(EmailMime.DomainOf(To)).Append(", Subject = ").Append(Subject);
        return true;
    }
}
