using Nexus.Api.Features.Posts;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Tests.GraphQL;

public sealed class OutcomeTests
{
    private static readonly Guid PostId = Guid.CreateVersion7();

    [Fact]
    public void a_failure_carries_every_error_it_is_given_in_order()
    {
        Outcome<Guid, ConnectionNotFoundError, PlatformRuleError> outcome = Outcome<Guid, ConnectionNotFoundError, PlatformRuleError>.Fail(
            new PlatformRuleError("Too long.", ["input", "targets", "0", "text"]), new ConnectionNotFoundError(["input", "targets", "1", "connectionId"]));

        Assert.False(outcome.Succeeded);
        Assert.Equal([typeof(PlatformRuleError), typeof(ConnectionNotFoundError)], outcome.Errors.Select(e => e.GetType()));
        Assert.Equal(Guid.Empty, outcome.Value);
    }

    [Fact]
    public void a_value_and_a_single_error_still_convert_as_they_are()
    {
        Outcome<Guid, PostNotFoundError> found = PostId;
        Outcome<Guid, PostNotFoundError> missing = new PostNotFoundError();

        Assert.Equal((true, PostId), (found.Succeeded, found.Value));
        Assert.IsType<PostNotFoundError>(Assert.Single(missing.Errors));
    }

    [Fact]
    public void a_failure_without_an_error_or_with_an_untyped_one_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Outcome<Guid, PostNotFoundError>.Fail());
        Assert.Throws<ArgumentException>(() => Outcome<Guid, PostNotFoundError>.Fail(default(Outcome<Guid, PostNotFoundError>.Error)));
    }

    [Fact]
    public void a_rule_that_refuses_in_one_of_two_ways_becomes_the_handlers_own_error()
    {
        OneOf<VersionConflictError, PostStateError> refusal = new VersionConflictError(3);

        var outcome = refusal.Match<Outcome<Guid, PostNotFoundError, VersionConflictError, PostStateError>>(e => e, e => e);

        Assert.IsType<VersionConflictError>(Assert.Single(outcome.Errors));
    }
}
