using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Accounts.SigningUp;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Wolverine.Marten;

namespace Nexus.Api.Tests.Features.Accounts.SigningUp;

public sealed class SignUpHandlerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly PasswordHasher<UserCredentials> _hasher = new();
    private readonly IOptions<NexusUrls> _urls = Options.Create(new NexusUrls { FrontendUrl = "https://app.example.com" });

    [Fact]
    public void a_free_email_starts_a_user_stream_with_the_normalised_email()
    {
        var (outcome, stream, credentials, verification, messages) =
            SignUpHandler.Handle(new SignUp(" Ada@Example.COM ", "correct horse battery staple", " Ada "), null, _hasher, _urls, Now);

        Assert.True(outcome.Succeeded);
        var start = Assert.IsAssignableFrom<IStartStream>(stream);
        Assert.Equal(outcome.Value, start.StreamId);
        var registered = Assert.IsType<UserRegistered>(Assert.Single(start.Events));
        Assert.Equal(new UserRegistered(outcome.Value, "ada@example.com", "Ada", Now), registered);
        Assert.IsNotType<NoOp>(credentials);
        Assert.IsNotType<NoOp>(verification);
        var email = Assert.IsType<SendEmail>(Assert.Single(messages)).Message;
        Assert.Equal(("verify-email", "ada@example.com"), (email.Kind, email.To));
        Assert.Contains("https://app.example.com/account/verify-email?token=", email.TextBody);
    }

    [Fact]
    public void a_taken_email_is_an_email_taken_error_and_changes_nothing()
    {
        var existing = new User(Guid.CreateVersion7(), "ada@example.com", "Ada", Now);

        var (outcome, stream, credentials, verification, messages) =
            SignUpHandler.Handle(new SignUp("ada@example.com", "correct horse battery staple", "Ada"), existing, _hasher, _urls, Now);

        Assert.False(outcome.Succeeded);
        Assert.Equal("EMAIL_TAKEN", Assert.Single(outcome.Errors).Code);
        Assert.IsType<NoOp>(stream);
        Assert.IsType<NoOp>(credentials);
        Assert.IsType<NoOp>(verification);
        Assert.Empty(messages);
    }

    [Theory]
    [InlineData("correct horse battery staple", true)]
    [InlineData("Tr0ub4dor&3xyz", true)]
    [InlineData("elevenchars", false)]
    [InlineData("PASSWORD1234", false)]
    [InlineData("sunshine2026!!", false)]
    [InlineData("1q2w3e4r5t6y", false)]
    [InlineData("zzzzzzzzzzzzzzzz", false)]
    public void the_password_policy_wants_twelve_characters_and_nothing_common(string password, bool accepted)
    {
        Assert.Equal(accepted, PasswordPolicy.Default.Check(password) is null);
    }

    [Theory]
    [InlineData("ada@example.com", true)]
    [InlineData("ada.lovelace+nexus@mail.example.co.uk", true)]
    [InlineData("ada@example", false)]
    [InlineData("Ada <ada@example.com>", false)]
    [InlineData("ada @example.com", false)]
    [InlineData("@example.com", false)]
    public void email_addresses_must_be_plain_mailboxes(string email, bool valid)
    {
        Assert.Equal(valid, EmailAddress.IsValid(EmailAddress.Normalize(email)));
    }

    [Fact]
    public void the_command_never_prints_its_password()
    {
        Assert.DoesNotContain("hunter2", new SignUp("a@example.com", "hunter2hunter2", "A").ToString());
    }
}
