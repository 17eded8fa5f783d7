using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Accounts.SigningInWithProviders;
using Wolverine.Marten;

namespace Nexus.Api.Tests.Features.Accounts.SigningInWithProviders;

public sealed class SignInWithProviderHandlerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly User Ada = new(Guid.CreateVersion7(), "ada@example.com", "Ada", Now.AddDays(-3), EmailVerified: true);

    [Fact]
    public void a_linked_provider_account_signs_into_its_account_whatever_the_email_says()
    {
        var login = new ExternalLogin("google:123", Ada.Id, "Google", "123", Now.AddDays(-1));

        var (result, first, second) = SignInWithProviderHandler.Handle(
            new SignInWithProvider("Google", "123", "someone-else@example.com", false, null), new ExternalSignInState(login, Ada, null), Now);

        Assert.Equal(new ExternalSignInResult(ExternalSignInVerdict.SignedIn, Ada), result);
        Assert.IsType<NoOp>(first);
        Assert.IsType<NoOp>(second);
    }

    [Fact]
    public void a_verified_email_of_an_existing_account_links_the_provider_account_to_it()
    {
        var (result, append, login) = SignInWithProviderHandler.Handle(
            new SignInWithProvider("Google", "123", " ADA@example.com ", true, "Someone"), new ExternalSignInState(null, null, Ada), Now);

        Assert.Equal(new ExternalSignInResult(ExternalSignInVerdict.Linked, Ada), result);
        Assert.IsNotType<NoOp>(append);
        Assert.IsNotType<NoOp>(login);
    }

    [Fact]
    public void an_account_that_has_not_confirmed_the_same_email_is_not_linked()
    {
        var squatted = Ada with { EmailVerified = false };

        var (result, first, second) = SignInWithProviderHandler.Handle(
            new SignInWithProvider("Google", "123", "ada@example.com", true, "Ada"), new ExternalSignInState(null, null, squatted), Now);

        Assert.Equal(new ExternalSignInResult(ExternalSignInVerdict.AccountEmailNotVerified, null), result);
        Assert.IsType<NoOp>(first);
        Assert.IsType<NoOp>(second);
    }

    [Fact]
    public void a_verified_email_without_an_account_creates_one_with_the_link_and_no_password()
    {
        var (result, stream, login) = SignInWithProviderHandler.Handle(
            new SignInWithProvider("Google", "123", "New.Person@Example.com", true, " Grace\u0007 Hopper "), new ExternalSignInState(null, null, null), Now);

        Assert.Equal(ExternalSignInVerdict.Registered, result.Verdict);
        var user = result.User!;
        Assert.Equal(("new.person@example.com", "Grace Hopper", Now, true), (user.Email, user.DisplayName, user.RegisteredAt, user.EmailVerified));
        var start = Assert.IsAssignableFrom<IStartStream>(stream);
        Assert.Equal(user.Id, start.StreamId);
        Assert.Equal<object>(
            [new UserRegistered(user.Id, user.Email, user.DisplayName, Now), new EmailVerified(user.Id, user.Email, Now), new ExternalLoginLinked(user.Id, "Google", "123", Now)],
            start.Events);
        Assert.IsNotType<NoOp>(login);
    }

    [Theory]
    [InlineData("ada@example.com", false)]
    [InlineData("fresh@example.com", false)]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("not an email", true)]
    public void without_a_verified_email_nothing_is_linked_or_created(string? email, bool verified)
    {
        var owner = email == Ada.Email ? Ada : null;

        var (result, first, second) = SignInWithProviderHandler.Handle(
            new SignInWithProvider("Google", "123", email, verified, "Mallory"), new ExternalSignInState(null, null, owner), Now);

        Assert.Equal(new ExternalSignInResult(ExternalSignInVerdict.EmailNotVerified, null), result);
        Assert.IsType<NoOp>(first);
        Assert.IsType<NoOp>(second);
    }

    [Theory]
    [InlineData("Ada Lovelace", "ada@example.com", "Ada Lovelace")]
    [InlineData(null, "ada.l@example.com", "ada.l")]
    [InlineData("  \t ", "ada@example.com", "ada")]
    public void the_display_name_comes_from_the_provider_or_the_email(string? name, string email, string expected)
    {
        Assert.Equal(expected, SignInWithProviderHandler.DisplayNameFor(name, email));
    }

    [Fact]
    public void a_long_display_name_is_cut_to_the_sign_up_limit_without_splitting_a_character()
    {
        var name = new string('a', 99) + "\U0001F600" + "tail";

        var cut = SignInWithProviderHandler.DisplayNameFor(name, "ada@example.com");

        Assert.Equal(new string('a', 99), cut);
    }
}
