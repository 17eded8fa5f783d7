using FluentValidation;

namespace Nexus.Api.Features.Accounts;

/// <summary>The validation rules account data follows wherever it is entered.</summary>
public static class AccountRules
{
    public const int MaxDisplayNameLength = 100;

    public static IRuleBuilderOptions<T, string> ValidEmail<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(email => EmailAddress.IsValid(EmailAddress.Normalize(email ?? "")))
            .WithMessage("Enter a valid email address, like name@example.com.");

    public static IRuleBuilderOptions<T, string> ValidDisplayName<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(name => !string.IsNullOrWhiteSpace(name)).WithMessage("Enter a display name.")
            .Must(name => (name ?? "").Trim().Length <= MaxDisplayNameLength).WithMessage($"The display name must be at most {MaxDisplayNameLength} characters.")
            .Must(name => !(name ?? "").Any(char.IsControl)).WithMessage("The display name cannot contain control characters.");

    /// <summary>A new password must satisfy <see cref="PasswordPolicy"/>; the failure says which rule it breaks.</summary>
    public static IRuleBuilderOptions<T, string> SatisfiesPolicy<T>(this IRuleBuilder<T, string> rule, PasswordPolicy policy) =>
        rule.Must((_, password, context) =>
        {
            if (policy.Check(password ?? "") is not { } problem)
            {
                return true;
            }

            context.MessageFormatter.AppendArgument("Problem", problem);
            return false;
        }).WithMessage("{Problem}");
}
