using System.Collections.Concurrent;

namespace Inventory.Api.Portal;

/// <summary>A user's row as the session check needs it: the security stamp, and whether they may sign in.</summary>
internal readonly record struct SessionState(string? Stamp, bool Active);

/// <summary>
/// The session state of users this instance has read, kept only while <see cref="SessionStampListener"/> hears every
/// change (LISTEN on the channel the users' table's trigger notifies): with it, a signed-in page costs no read of the
/// user; without it (not yet connected, connection lost) every check reads the database again. Entries are keyed by
/// user id and come only from authenticated cookies, so there are at most as many as users. See "Decision: session
/// stamps kept in memory, ended by NOTIFY" in Inventory.Api/README.md.
/// </summary>
internal sealed class SessionStamps
{
    private readonly ConcurrentDictionary<string, SessionState> _known = new(StringComparer.Ordinal);
    private volatile bool _listening;
    // Bumped by every change heard: a state read before a change must not be kept after it.
    private long _version;

    /// <summary>The version to hand to <see cref="Remember"/> with a state read after this call.</summary>
    public long Version => Interlocked.Read(ref _version);

    public bool TryGet(string userId, out SessionState state)
    {
        state = default;
        return _listening && _known.TryGetValue(userId, out state);
    }

    /// <summary>Keeps <paramref name="state"/>, read from the database after <paramref name="readAt"/> was taken,
    /// unless a change was heard since (then the state may be the old one).</summary>
    public void Remember(string userId, SessionState state, long readAt)
    {
        if (!_listening)
        {
            return;
        }
        _known[userId] = state;
        if (Interlocked.Read(ref _version) != readAt)
        {
            _known.TryRemove(userId, out _);
        }
    }

    /// <summary>The user's stamp or flag changed (here, or on another instance): read it again next time.</summary>
    public void Forget(string userId)
    {
        Interlocked.Increment(ref _version);
        _known.TryRemove(userId, out _);
    }

    /// <summary>Changes are heard from now on; whatever was kept before may have missed some.</summary>
    public void StartListening()
    {
        ForgetAll();
        _listening = true;
    }

    /// <summary>Changes may go unheard from now on: keep nothing.</summary>
    public void StopListening()
    {
        _listening = false;
        ForgetAll();
    }

    private void ForgetAll()
    {
        Interlocked.Increment(ref _version);
        _known.Clear();
    }
}
