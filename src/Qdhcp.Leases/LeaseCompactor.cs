namespace Qdhcp.Leases;

/// <summary>
/// Compacts lease journals in the background, on one thread for all of them (the agent has one per network): woken
/// by a commit, it compacts each journal whose <see cref="LeaseJournal.CompactionDueIn"/> says so, then sleeps until
/// the next is due. At dispose every journal is committed and compacted a last time, so a clean stop leaves the
/// lease file complete and no journal behind.
/// </summary>
/// <remarks>
/// A busy server commits thousands of times a second. A commit wakes this thread only when it sleeps with nothing
/// due (<see cref="_idle"/>); otherwise it wakes on its own when the next compaction is due, and one wake-up per
/// commit would cost the packet thread a futex call and this one a context switch for nothing. The journal list it
/// walks is an array replaced on add and remove, so a wake-up allocates nothing either.
/// </remarks>
public sealed class LeaseCompactor : IDisposable
{
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(5);
    private readonly Lock _gate = new();
    private volatile LeaseJournal[] _journals = [];
    private readonly AutoResetEvent _wake = new(false);

    // Set before the thread looks at the journals; a commit that finds it set clears it and wakes the thread.
    private volatile bool _idle;
    private readonly Thread _thread;
    private readonly Action _onCommitted;
    private volatile bool _stopping;

    public LeaseCompactor()
    {
        _onCommitted = () =>
        {
            if (_idle)
            {
                _idle = false;
                _wake.Set();
            }
        };
        _thread = new Thread(Run) { IsBackground = true, Name = "lease compactor" };
        _thread.Start();
    }

    public void Add(LeaseJournal journal)
    {
        lock (_gate)
        {
            _journals = [.. _journals, journal];
        }

        journal.Committed += _onCommitted;
        _wake.Set();
    }

    /// <summary>Stops compacting <paramref name="journal"/> (its network is gone or stops), without a last compaction.</summary>
    public void Remove(LeaseJournal journal)
    {
        journal.Committed -= _onCommitted;
        lock (_gate)
        {
            _journals = [.. _journals.Where(j => j != journal)];
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            // Before looking: a commit from here on either is seen below or wakes the wait.
            _idle = true;
            TimeSpan next = IdleWait;
            foreach (LeaseJournal journal in _journals)
            {
                if (_stopping)
                {
                    return;
                }

                TimeSpan? due = journal.CompactionDueIn();
                if (due == TimeSpan.Zero)
                {
                    journal.Compact();
                    due = journal.CompactionDueIn();
                }

                if (due is { } wait && wait < next)
                {
                    next = wait;
                }
            }

            // Something is due before the idle wait ends: the thread wakes for it anyway, commits need not wake it.
            if (next < IdleWait)
            {
                _idle = false;
            }

            _wake.WaitOne(next < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : next);
            Interlocked.Increment(ref _wakeUps);
        }
    }

    /// <summary>How many times the thread woke up (tests: commits must not wake it one by one).</summary>
    public long WakeUps => Interlocked.Read(ref _wakeUps);

    private long _wakeUps;

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread.Join();
        foreach (LeaseJournal journal in _journals)
        {
            journal.Committed -= _onCommitted;
            journal.Commit();
            if (journal.HasUncompactedChanges)
            {
                journal.Compact();
            }
        }

        _wake.Dispose();
    }
}
