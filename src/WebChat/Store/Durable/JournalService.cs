using Microsoft.Extensions.Options;
using WebChat.Groups;

namespace WebChat.Store.Durable;

/// <summary>
/// Keeps the in-memory store across restarts (README "Restarts"). At start, before the doors
/// open, it reads the groups back into the store and keeps their members for the reconnect grace. While
/// the node runs, a background writer takes the changed groups every <see cref="Interval"/> and writes them
/// in one transaction: nothing on the delivery path waits for the disk. On a graceful stop the members stay
/// (no leaves are published) and a last write follows once the doors are closed.
/// </summary>
public sealed class JournalService(
    InMemoryGroupStore store, ChatGroups groups, DataFolder folder, IOptions<ChatOptions> options, IHostApplicationLifetime lifetime,
    TimeProvider time, ILogger<JournalService> log) : IHostedService, IDisposable
{
    /// <summary>How often changes are written: a crash loses at most this much and one write.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>After a crash, message ids move on by this much, so that none is given twice (the last ones given may not have been written).</summary>
    public const long SequenceGapAfterCrash = 1_000_000;

    private readonly Lock _writeLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<GroupChange> _pendingDeletes = [];
    private GroupJournal? _journal;
    private Task? _writer;
    private bool _failing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        List<StoredGroup> stored;
        bool clean;
        try
        {
            _journal = GroupJournal.Open(folder.Path, folder.Synchronous);
            clean = _journal.StoppedCleanly();
            stored = _journal.Load();
            _journal.MarkClean(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _journal?.Dispose();
            _journal = null;
            throw DataFolder.Unusable(folder.Path, $"its database {GroupJournal.FileName} cannot be opened or read ({ex.Message})", ex);
        }
        if (!clean && stored.Count > 0)
        {
            log.LogWarning("The last run did not stop cleanly; the message ids of its {Groups} groups move on by {Gap}", stored.Count, SequenceGapAfterCrash);
            stored = stored.Select(g => g with { Seq = g.Seq + SequenceGapAfterCrash }).ToList();
        }
        var restored = store.Restore(stored);
        store.TrackChanges();
        groups.KeepMembersOnStop(lifetime.ApplicationStopping);
        groups.KeepRestored(restored);
        log.LogInformation("Restored {Groups} groups with {Members} members from {DataPath}; they have {Seconds} s to come back",
            stored.Count(g => g.Members.Count > 0), restored.Count, folder.Path, options.Value.ReconnectGraceSeconds);
        _writer = RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    /// <summary>Once every door is closed (this service stops after them): the last changes, and the mark of a clean stop.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_writer is not null) await _writer;
        if (Flush()) MarkClean();
    }

    /// <summary>Writes what changed since the last write; false if the write failed (it is retried whole with the next).</summary>
    public bool Flush()
    {
        lock (_writeLock)
        {
            if (_journal is null) return false;
            var changes = store.TakeChanges(int.MaxValue);
            if (_pendingDeletes.Count > 0) changes.InsertRange(0, _pendingDeletes);
            try
            {
                _journal.Write(changes);
                _pendingDeletes.Clear();
                if (_failing) log.LogInformation("Writing to {DataPath} works again", folder.Path);
                _failing = false;
                return true;
            }
            catch (Exception ex)
            {
                // The store keeps everything; the next write rewrites every group whole, and the deletions before it.
                if (!_failing) log.LogError(ex, "Could not write the groups to {DataPath}; retrying every {Interval} ms", folder.Path, Interval.TotalMilliseconds);
                _failing = true;
                _pendingDeletes.Clear();
                _pendingDeletes.AddRange(changes.Where(c => c.Deleted));
                store.RewriteAll();
                return false;
            }
        }
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            // Anything changed after the stop's write (a late disconnect) is written too.
            if (_journal is not null && Flush()) MarkClean();
            _journal?.Dispose();
            _journal = null;
        }
        _stop.Dispose();
    }

    private void MarkClean()
    {
        lock (_writeLock)
        {
            try { _journal?.MarkClean(true); }
            catch (Exception ex) { log.LogError(ex, "Could not record the clean stop in {DataPath}", folder.Path); }
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) Flush();
        }
        catch (OperationCanceledException) { }
    }
}
