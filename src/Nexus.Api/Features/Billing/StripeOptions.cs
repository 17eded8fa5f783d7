using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure;
using Stripe;

namespace Nexus.Api.Features.Billing;

/// <summary>
/// <c>Nexus:Stripe</c>: the account's secret key (<c>sk_test_…</c> or <c>sk_live_…</c>), the webhook endpoint's signing
/// secret (<c>whsec_…</c>), the API base (Stripe's; tests point it at a fake), and where Checkout and the portal send
/// the customer back (by default pages of the frontend).
/// </summary>
public sealed class StripeOptions
{
    public const string Section = "Nexus:Stripe";

    public string? SecretKey { get; set; }

    public string? WebhookSecret { get; set; }

    public string ApiBase { get; set; } = "https://api.stripe.com";

    /// <summary>Where Checkout sends the customer after paying; default <c>{FrontendUrl}/billing?checkout=success</c>.</summary>
    public string? SuccessUrl { get; set; }

    /// <summary>Where Checkout sends the customer who gives up; default <c>{FrontendUrl}/billing?checkout=cancelled</c>.</summary>
    public string? CancelUrl { get; set; }

    /// <summary>Where the billing portal's "return" link leads; default <c>{FrontendUrl}/billing</c>.</summary>
    public string? PortalReturnUrl { get; set; }

    /// <summary>How old a webhook's signed timestamp may be (Stripe's libraries use 5 minutes).</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(SecretKey);
}

/// <summary>
/// The one <see cref="StripeClient"/> of this process, or none when no secret key is configured (billing mutations then
/// answer BILLING_NOT_CONFIGURED). Stripe.net does not log request bodies or keys.
/// </summary>
public sealed class StripeGateway
{
    private readonly Lazy<IStripeClient?> _client;

    public StripeGateway(IOptions<StripeOptions> options, IOptions<NexusUrls> urls)
    {
        Options = options.Value;
        var frontend = urls.Value.FrontendUrl.TrimEnd('/');
        SuccessUrl = Options.SuccessUrl ?? $"{frontend}/billing?checkout=success";
        CancelUrl = Options.CancelUrl ?? $"{frontend}/billing?checkout=cancelled";
        PortalReturnUrl = Options.PortalReturnUrl ?? $"{frontend}/billing";
        _client = new(() => Options.IsConfigured ? new StripeClient(apiKey: Options.SecretKey, apiBase: Options.ApiBase.TrimEnd('/')) : null);
    }

    public StripeOptions Options { get; }

    public string SuccessUrl { get; }

    public string CancelUrl { get; }

    public string PortalReturnUrl { get; }

    public IStripeClient? Client => _client.Value;
}
