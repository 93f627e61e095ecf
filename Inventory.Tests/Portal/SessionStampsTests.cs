using Inventory.Api.Portal;

namespace Inventory.Tests.Portal;

/// <summary>
/// The session check's memory of users' stamps: kept only while changes are heard, and never a state that a change
/// heard during its read may have made stale.
/// </summary>
public sealed class SessionStampsTests
{
    private static readonly SessionState Current = new("stamp-1", Active: true);

    [Fact]
    public void Nothing_is_kept_before_changes_are_heard()
    {
        var stamps = new SessionStamps();
        stamps.Remember("user", Current, stamps.Version);
        Assert.False(stamps.TryGet("user", out _));
    }

    [Fact]
    public void A_state_read_while_listening_is_kept_until_a_change_to_that_user_is_heard()
    {
        var stamps = new SessionStamps();
        stamps.StartListening();
        stamps.Remember("user", Current, stamps.Version);
        stamps.Remember("other", Current, stamps.Version);
        Assert.True(stamps.TryGet("user", out var kept));
        Assert.Equal(Current, kept);

        stamps.Forget("user");
        Assert.False(stamps.TryGet("user", out _));
        Assert.True(stamps.TryGet("other", out _));
    }

    [Fact]
    public void A_state_read_before_a_change_was_heard_is_not_kept()
    {
        var stamps = new SessionStamps();
        stamps.StartListening();
        var readAt = stamps.Version;
        stamps.Forget("user"); // heard while the read was on its way
        stamps.Remember("user", Current, readAt);
        Assert.False(stamps.TryGet("user", out _));
    }

    [Fact]
    public void Losing_the_listener_forgets_everything_and_keeps_nothing_until_it_is_back()
    {
        var stamps = new SessionStamps();
        stamps.StartListening();
        stamps.Remember("user", Current, stamps.Version);
        var readAt = stamps.Version;

        stamps.StopListening();
        Assert.False(stamps.TryGet("user", out _));
        stamps.Remember("user", Current, stamps.Version);
        Assert.False(stamps.TryGet("user", out _));

        stamps.StartListening();
        stamps.Remember("user", Current, readAt); // read before the listener came back: it may have missed a change
        Assert.False(stamps.TryGet("user", out _));
        stamps.Remember("user", Current, stamps.Version);
        Assert.True(stamps.TryGet("user", out _));
    }
}
