using FluentValidation;

namespace Nexus.Api.Features.Hooks;

/// <summary>The validation rules every endpoint input follows.</summary>
public static class HookRules
{
    public static IRuleBuilderOptions<T, string?> ValidWebhookUrl<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(WebhookUrls.IsWellFormed)
            .WithMessage($"Use an absolute http or https URL without credentials, at most {WebhookUrls.MaxLength} characters.");

    public static IRuleBuilderOptions<T, IReadOnlyList<string>?> ValidEventTypes<T>(this IRuleBuilder<T, IReadOnlyList<string>?> rule) =>
        rule.Must(types => types is { Count: > 0 }).WithMessage("Choose at least one event type.")
            .Must(types => types is null || types.All(HookEventTypes.Names.Contains))
            .WithMessage((_, types) => $"Unknown event type(s): {string.Join(", ", (types ?? []).Where(t => !HookEventTypes.Names.Contains(t)))}. " +
                $"Known: {string.Join(" ", HookEventTypes.Names)}.");
}
