using System.Collections.Concurrent;

namespace WebChat.Groups;

/// <summary>
/// Remembers which keys (a member, an address) are in a run of refusals, so that a run is logged once, at its
/// first refusal, however long it lasts; the run ends when that key is accepted again. Bounded: past
/// <see cref="MaxKeys"/> keys it forgets them all, which at worst logs a run twice.
/// </summary>
internal sealed class RefusalRuns
{
    internal const int MaxKeys = 10_000;
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);

    /// <summary>True for the first refusal of a run (log it), false while the run goes on.</summary>
    public bool Refused(string key)
    {
        if (_running.Count >= MaxKeys) _running.Clear();
        return _running.TryAdd(key, 0);
    }

    /// <summary>The key was accepted: its run, if any, is over.</summary>
    public void Accepted(string key)
    {
        if (!_running.IsEmpty) _running.TryRemove(key, out _);
    }
}
