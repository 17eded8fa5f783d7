using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using OpenIddict.Server;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Infrastructure.Identity;

/// <summary>
/// OpenIddict logs whole requests and responses (at Information and below). It hides tokens, codes and passwords
/// but not the PKCE <c>code_verifier</c>, the username or the state, so its loggers are replaced by ones that keep
/// only the values of parameters known to be harmless, at every level, whatever a deployment's log filter lets
/// through. Marten's command log (Debug) carries every SQL parameter value (the email a sign-in looks up, a post's
/// text...): its logger keeps the SQL and drops the values.
/// </summary>
public static class SecretFreeLogging
{
    // Protocol values that identify what happened without granting anything; all other values are hidden.
    private static readonly HashSet<string> Harmless = new(StringComparer.Ordinal)
    {
        Parameters.GrantType, Parameters.ClientId, Parameters.ResponseType, Parameters.ResponseMode, Parameters.Scope,
        Parameters.RedirectUri, Parameters.PostLogoutRedirectUri, Parameters.CodeChallengeMethod, Parameters.Prompt,
        Parameters.TokenTypeHint, Parameters.TokenType, Parameters.ExpiresIn, Parameters.Error,
        Parameters.ErrorDescription, Parameters.ErrorUri, Parameters.Iss, Parameters.Resource, Parameters.Audience,
        Parameters.Active,
    };

    private static readonly string[] SecretNames =
        ["token", "code", "verifier", "secret", "password", "username", "assertion", "claim", "principal", "state", "nonce", "payload", "reference"];

    public static void AddTo(IServiceCollection services)
    {
        // The dispatchers hand their logger to every handler (context.Logger): these three carry all of
        // OpenIddict's protocol logging.
        services.AddSingleton<ILogger<OpenIddictServerDispatcher>, SecretFreeLogger<OpenIddictServerDispatcher>>();
        services.AddSingleton<ILogger<OpenIddictValidationDispatcher>, SecretFreeLogger<OpenIddictValidationDispatcher>>();
        services.AddSingleton<ILogger<OpenIddictClientDispatcher>, SecretFreeLogger<OpenIddictClientDispatcher>>();
        // Marten takes its command logger from here when the store has none of its own.
        services.AddSingleton<ILogger<Marten.IDocumentStore>, SecretFreeLogger<Marten.IDocumentStore>>();
    }

    /// <summary>A copy of a logged value with the secrets taken out.</summary>
    internal static object? Redact(string key, object? value)
    {
        // Marten's names for the values of a command's SQL parameters, and OpenIddict's for tokens (the whole
        // token), the claims put in them (the email) and the like.
        if (key is "PARAMETERS" or "PARAMS" or "ParameterValue" || SecretNames.Any(n => key.Contains(n, StringComparison.OrdinalIgnoreCase)) ||
            value is ClaimsPrincipal or ClaimsIdentity or IEnumerable<Claim>)
        {
            return "[redacted]";
        }

        if (value is not OpenIddictMessage message)
        {
            return value;
        }

        var copy = new OpenIddictMessage();
        foreach (var (name, parameter) in message.GetParameters())
        {
            copy.SetParameter(name, Harmless.Contains(name) ? parameter : new OpenIddictParameter("[redacted]"));
        }

        return copy;
    }

    private sealed class SecretFreeLogger<T>(ILoggerFactory factory) : ILogger<T>
    {
        private readonly ILogger _inner = factory.CreateLogger<T>();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => _inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!_inner.IsEnabled(logLevel))
            {
                return;
            }

            // A message template with its values: log the same template with the values redacted.
            if (state is IReadOnlyList<KeyValuePair<string, object?>> { Count: > 0 } values &&
                values[^1] is { Key: "{OriginalFormat}", Value: string template })
            {
                var arguments = new object?[values.Count - 1];
                for (var i = 0; i < arguments.Length; i++)
                {
                    arguments[i] = Redact(values[i].Key, values[i].Value);
                }

#pragma warning disable CA2254 // The template is OpenIddict's own, passed on unchanged.
                _inner.Log(logLevel, eventId, exception, template, arguments);
#pragma warning restore CA2254
                return;
            }

            _inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
