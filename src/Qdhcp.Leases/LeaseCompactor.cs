namespace Qdhcp.Leases;

/// <summary>
/// Compacts lease journals in the background, on one thread for all of them (the agent has one per network): woken
/// by a commit, it compacts each journal whose <see cref="LeaseJournal.CompactionDueIn"/> says so, then sleeps until
/// the next is due. At dispose every journal is committed and compacted a last time, so a clean stop leaves the
/// lease file complete and no journal behind.
/// </summary>
public sealed class LeaseCompactor : IDisposable
{
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(5);
    private readonly List<LeaseJournal> _journals = [];
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private readonly Action _onCommitted;
    private volatile bool _stopping;

    public LeaseCompactor()
    {
        _onCommitted = () => _wake.Set();
        _thread = new Thread(Run) { IsBackground = true, Name = "lease compactor" };
        _thread.Start();
    }

    public void Add(LeaseJournal journal)
    {
        lock (_journals)
        {
            _journals.Add(journal);
        }

        journal.Committed += _onCommitted;
        _wake.Set();
    }

    /// <summary>Stops compacting <paramref name="journal"/> (its network is gone or stops), without a last compaction.</summary>
    public void Remove(LeaseJournal journal)
    {
        journal.Committed -= _onCommitted;
        lock (_journals)
        {
            _journals.Remove(journal);
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            TimeSpan next = IdleWait;
            foreach (LeaseJournal journal in Snapshot())
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

            _wake.WaitOne(next < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : next);
        }
    }

    private LeaseJournal[] Snapshot()
    {
        lock (_journals)
        {
            return [.. _journals];
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread.Join();
        foreach (LeaseJournal journal in Snapshot())
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
