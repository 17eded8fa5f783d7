using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>The free plan made small enough to reach in a test; webhook endpoints on loopback allowed.</summary>
public sealed class PlansFixture : ApiFixture
{
    protected override string Purpose => "plans";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Outbound:AllowPrivateAddresses"] = "true",
        ["Nexus:Billing:Plans:free:Limits:ScheduledPostsPerMonth"] = "2",
        ["Nexus:Billing:Plans:free:Limits:ConnectedAccounts"] = "1",
        ["Nexus:Billing:Plans:free:Limits:MediaStorageBytes"] = "100000",
    };
}
