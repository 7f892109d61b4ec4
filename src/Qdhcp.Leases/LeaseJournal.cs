using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Leases;

/// <summary>
/// Makes one network's lease table durable. The table stays authoritative in memory; every change it reports
/// (<see cref="ILeaseJournal"/>, under its lock) is formatted into a pending buffer, with no I/O. The receive loops
/// call <see cref="Commit"/> before sending the replies that depend on a change: one write and one fdatasync for
/// everything pending, shared by concurrent callers (group commit). In the background, <see cref="Compact"/> rotates
/// the journal and writes the whole table to the <see cref="ILeasePersistence"/> (dnsmasq's lease file, the store),
/// then deletes the rotated journal. At start, <see cref="Open"/> reads the snapshot and replays both journals.
/// </summary>
/// <remarks>
/// Files: <c>&lt;journal&gt;</c> (appended), <c>&lt;journal&gt;.old</c> (only during a compaction, or after one failed).
/// Records are absolute per-address states, so any crash point replays to the table as acknowledged: before the
/// snapshot's rename the old snapshot plus both journals; after it, the new snapshot plus records it already holds.
/// </remarks>
public sealed class LeaseJournal : ILeaseJournal, IDisposable
{
    private const int InitialBufferBytes = 64 << 10;

    // Records kept for the retry while the disk refuses them; beyond this they are dropped and the next successful
    // compaction (the whole table) makes up for them.
    private const int MaxRetainedBytes = 64 << 20;
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);

    private readonly string _path;
    private readonly string _rotatedPath;
    private readonly string _directory;
    private readonly ILeasePersistence _snapshot;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _bufferLock = new();
    private readonly Lock _commitLock = new();
    private readonly Lock _compactLock = new();
    private byte[] _pending = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
    private byte[] _spare = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
    private int _pendingLength;
    private long _appendedBytes;
    private long _durableBytes;
    private SafeFileHandle? _file;
    private long _fileLength;
    private volatile bool _healthy = true;
    private volatile bool _compactionHealthy = true;
    private volatile bool _recordsDropped;
    private bool _deleted;
    private Dhcp4LeaseTable? _table;
    private long _compactedVersion = -1;
    private long _lastCompactionAttempt;
    private TimeSpan _lastCompactionDuration;
    private long _lastCommitFailureLog;
    private long _lastCompactionFailureLog;
    private long _commits;
    private long _commitFailures;
    private long _compactions;
    private long _compactionFailures;
    private long _refusedBindings;

    /// <param name="journalPath">The journal file (<c>&lt;leasefile&gt;.journal</c> for serve); <c>.old</c> is added for the rotated one.</param>
    /// <param name="snapshot">Where compaction writes the full lease set, and where <see cref="Open"/> reads it.</param>
    public LeaseJournal(string journalPath, ILeasePersistence snapshot, LeaseCompactionPolicy policy, ILogger logger, TimeProvider? time = null)
    {
        _path = System.IO.Path.GetFullPath(journalPath);
        _rotatedPath = _path + ".old";
        _directory = System.IO.Path.GetDirectoryName(_path)!;
        _snapshot = snapshot;
        Policy = policy;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The journal for dnsmasq's lease file <paramref name="leaseFile"/>: next to it, so a rename between them stays on one file system.</summary>
    public static string PathFor(string leaseFile) => leaseFile + ".journal";

    public string Path => _path;

    public LeaseCompactionPolicy Policy { get; }

    /// <summary>False while journal writes fail: new bindings must not be acknowledged then.</summary>
    public bool IsHealthy => _healthy;

    /// <summary>Raised after a commit wrote something: the compactor wakes on it.</summary>
    public event Action? Committed;

    /// <summary>What the journal did so far (for metrics and logs).</summary>
    public LeaseJournalCounters Counters => new(
        Interlocked.Read(ref _commits), Interlocked.Read(ref _commitFailures), Interlocked.Read(ref _compactions),
        Interlocked.Read(ref _compactionFailures), Interlocked.Read(ref _refusedBindings), Interlocked.Read(ref _fileLength), _healthy);

    /// <summary>
    /// Loads <paramref name="table"/>: the snapshot, then the rotated journal and the journal (a torn last record is
    /// ignored), leases expired by now dropped. Then journals every change of the table, and compacts once if a
    /// journal was replayed. A journal that cannot be written is found by the first commit (logged, unhealthy until
    /// a commit succeeds); one that cannot be read throws: serving without the leases on record could hand an address
    /// to a second client.
    /// </summary>
    /// <param name="keep">Drops recovered leases it returns false for (the agent: leases of ports deleted while it was away).</param>
    public void Open(Dhcp4LeaseTable table, Func<LeaseRecord, bool>? keep = null)
    {
        IReadOnlyList<LeaseRecord> snapshot = _snapshot.Read(out IReadOnlyList<string> warnings);
        foreach (string warning in warnings)
        {
            LeaseLog.SnapshotWarning(_logger, warning);
        }

        byte[] rotated = ReadIfExists(_rotatedPath);
        byte[] current = ReadIfExists(_path);
        List<LeaseRecord> leases = LeaseJournalFormat.Recover(snapshot, rotated, current, _time.GetUtcNow().ToUnixTimeSeconds(),
            out LeaseReplayReport rotatedReport, out LeaseReplayReport currentReport);
        ReportBadRecords(_rotatedPath, rotatedReport);
        ReportBadRecords(_path, currentReport);
        bool replayed = rotated.Length > 0 || current.Length > 0;
        if (replayed)
        {
            LeaseLog.Recovered(_logger, snapshot.Count, _snapshot.Location, rotatedReport.Records, currentReport.Records, _path, rotatedReport.TornBytes + currentReport.TornBytes, leases.Count);
        }

        table.Load(keep is null ? leases : leases.Where(keep));
        _table = table;

        // The journal file is opened by the first commit (which cuts a torn record off first).
        table.Journal = this;
        if (replayed)
        {
            Compact();
        }
        else
        {
            // The snapshot is the whole story: nothing to write (an agent with 1,000 networks starts without 1,000 writes).
            Volatile.Write(ref _compactedVersion, table.Version);
        }
    }

    /// <inheritdoc />
    public void Granted(IPv4Address address, MacAddress mac, ReadOnlySpan<byte> clientId, string? hostName, long expiresUnixSeconds)
    {
        lock (_bufferLock)
        {
            EnsureRoomLocked(LeaseJournalFormat.MaxGrantLength(hostName, clientId.Length));
            int written = LeaseJournalFormat.WriteGrant(_pending.AsSpan(_pendingLength), address, mac, clientId, hostName, expiresUnixSeconds);
            _pendingLength += written;
            _appendedBytes += written;
        }
    }

    /// <inheritdoc />
    public void Released(IPv4Address address, MacAddress mac)
    {
        lock (_bufferLock)
        {
            EnsureRoomLocked(LeaseJournalFormat.MaxReleaseLength);
            int written = LeaseJournalFormat.WriteRelease(_pending.AsSpan(_pendingLength), address, mac);
            _pendingLength += written;
            _appendedBytes += written;
        }
    }

    /// <summary>
    /// Makes every record appended before this call durable (one write + fdatasync for all that is pending; a caller
    /// whose records another thread's commit covered returns at once). Thread-safe. False when the write failed: the
    /// records stay pending for the next commit, and the caller must not acknowledge new bindings of this batch.
    /// </summary>
    public bool Commit()
    {
        long target;
        lock (_bufferLock)
        {
            target = _appendedBytes;
        }

        byte[] batch;
        int length;
        lock (_commitLock)
        {
            if (Volatile.Read(ref _durableBytes) >= target)
            {
                return _healthy;
            }

            long upTo;
            lock (_bufferLock)
            {
                batch = _pending;
                length = _pendingLength;
                upTo = _appendedBytes;
                _pending = _spare;
                _pendingLength = 0;
            }

            try
            {
                EnsureFileLocked();
                RandomAccess.Write(_file!, batch.AsSpan(0, length), _fileLength);
                Interop.DataSync(_file!, _path);
                Interlocked.Exchange(ref _fileLength, _fileLength + length);
                _spare = batch;
                Volatile.Write(ref _durableBytes, upTo);
                Interlocked.Increment(ref _commits);
                if (!_healthy)
                {
                    _healthy = true;
                    LeaseLog.CommitRecovered(_logger, _path, Interlocked.Read(ref _commitFailures), Interlocked.Read(ref _refusedBindings));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                UndoPartialWriteLocked();
                RetainLocked(batch, length, upTo);
                CommitFailedLocked(e);
                return false;
            }
        }

        Committed?.Invoke();
        return true;
    }

    /// <summary>Counts a new binding that was not acknowledged because its commit failed (it was released again).</summary>
    public void CountRefusedBinding() => Interlocked.Increment(ref _refusedBindings);

    /// <summary>True when the table changed since the last compaction (or one failed): a clean stop compacts then.</summary>
    public bool HasUncompactedChanges =>
        _table is { } table && (table.Version != Volatile.Read(ref _compactedVersion) || _recordsDropped || !_compactionHealthy || Interlocked.Read(ref _fileLength) > 0);

    /// <summary>How long until <see cref="Compact"/> is due (zero: now), or null when there is nothing to compact.</summary>
    public TimeSpan? CompactionDueIn()
    {
        if (_table is not { } table)
        {
            return null;
        }

        bool changed = table.Version != Volatile.Read(ref _compactedVersion) || _recordsDropped || !_compactionHealthy;
        bool tooLarge = Interlocked.Read(ref _fileLength) >= Policy.MaxJournalBytes;
        if (!changed && !tooLarge)
        {
            return null;
        }

        TimeSpan wait = !_compactionHealthy
            ? Policy.RetryAfterFailure
            : tooLarge ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(Policy.AfterChange.Ticks, _lastCompactionDuration.Ticks * 9));
        TimeSpan since = Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastCompactionAttempt));
        return since >= wait ? TimeSpan.Zero : wait - since;
    }

    /// <summary>
    /// Writes the whole table to the snapshot and drops the journal it makes redundant: rotates the journal
    /// (journal -> journal.old, unless a failed compaction left one), takes the table's records, writes them
    /// durably (the persistence's atomic replace), deletes journal.old. A failure is logged and counted; the journals
    /// stay, so nothing is lost, and the next attempt retries. True when it succeeded.
    /// </summary>
    public bool Compact()
    {
        if (_table is not { } table)
        {
            throw new InvalidOperationException("Open the journal before compacting it.");
        }

        lock (_compactLock)
        {
            if (_deleted)
            {
                return false;
            }

            long started = Stopwatch.GetTimestamp();
            Interlocked.Exchange(ref _lastCompactionAttempt, started);
            try
            {
                if (!File.Exists(_rotatedPath))
                {
                    Rotate();
                }

                // Taken after the rotation: the journal from here on covers every change the snapshot may lack.
                _recordsDropped = false;
                long version = table.Version;
                WriteSnapshot(table);
                File.Delete(_rotatedPath);
                Volatile.Write(ref _compactedVersion, version);
                _lastCompactionDuration = Stopwatch.GetElapsedTime(started);
                Interlocked.Increment(ref _compactions);
                if (!_compactionHealthy)
                {
                    _compactionHealthy = true;
                    LeaseLog.CompactionRecovered(_logger, _snapshot.Location, Interlocked.Read(ref _compactionFailures));
                }

                return true;
            }
            catch (Exception e) when (e is not (OutOfMemoryException or InvalidOperationException))
            {
                _compactionHealthy = false;
                long failures = Interlocked.Increment(ref _compactionFailures);
                if (ShouldLog(ref _lastCompactionFailureLog, failures))
                {
                    LeaseLog.CompactionFailed(_logger, _snapshot.Location, e.Message, _path, failures);
                }

                return false;
            }
        }
    }

    /// <summary>
    /// Copies the table into a pooled buffer of structs and hands it to the persistence. Warm, this allocates nothing
    /// per lease: the buffer (about 40 B a lease) comes back from the pool the compactor thread returned it to, and is
    /// only rented larger when the table grew. The agent's journals all compact on one thread, so they share it.
    /// </summary>
    private void WriteSnapshot(Dhcp4LeaseTable table)
    {
        LeaseEntry[] buffer = ArrayPool<LeaseEntry>.Shared.Rent(Math.Max(table.Count, 1));
        int count;
        while (!table.TryCopyLeases(buffer, out count))
        {
            // The table grew since Count: grow outside its lock (a large array takes a while to allocate and clear).
            ArrayPool<LeaseEntry>.Shared.Return(buffer);
            buffer = ArrayPool<LeaseEntry>.Shared.Rent(count);
        }

        try
        {
            _snapshot.Write(buffer.AsSpan(0, count));
        }
        finally
        {
            // The pool must not keep the table's host names and client-ids alive.
            buffer.AsSpan(0, count).Clear();
            ArrayPool<LeaseEntry>.Shared.Return(buffer);
        }
    }

    /// <summary>journal -> journal.old under the commit lock, so a batch lands wholly in one or the other, in order.</summary>
    private void Rotate()
    {
        lock (_commitLock)
        {
            if (File.Exists(_path))
            {
                File.Move(_path, _rotatedPath);
            }

            SafeFileHandle fresh;
            try
            {
                fresh = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
            }
            catch
            {
                if (File.Exists(_rotatedPath) && !File.Exists(_path))
                {
                    File.Move(_rotatedPath, _path);
                }

                throw;
            }

            _file?.Dispose();
            _file = fresh;
            Interlocked.Exchange(ref _fileLength, 0);
            Interop.SyncDirectory(_directory);
        }
    }

    /// <summary>Opens the journal for appending if it is not open: after a torn record only, which is cut off first.</summary>
    private void EnsureFileLocked()
    {
        if (_file is not null)
        {
            return;
        }

        bool created = !File.Exists(_path);
        SafeFileHandle file = File.OpenHandle(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            long length = RandomAccess.GetLength(file);
            long resume = EndOfLastRecord(file, length);
            if (resume != length)
            {
                RandomAccess.SetLength(file, resume);
            }

            if (created)
            {
                Interop.SyncDirectory(_directory);
            }

            _file = file;
            Interlocked.Exchange(ref _fileLength, resume);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static long EndOfLastRecord(SafeFileHandle file, long length)
    {
        byte[] chunk = new byte[4096];
        long end = length;
        while (end > 0)
        {
            int size = (int)Math.Min(chunk.Length, end);
            int read = RandomAccess.Read(file, chunk.AsSpan(0, size), end - size);
            int newline = chunk.AsSpan(0, read).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return end - size + newline + 1;
            }

            end -= size;
        }

        return 0;
    }

    /// <summary>A failed write may have left part of the batch in the file: cut it back, or reopen later (which cuts at the last newline).</summary>
    private void UndoPartialWriteLocked()
    {
        if (_file is null)
        {
            return;
        }

        try
        {
            RandomAccess.SetLength(_file, _fileLength);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _file.Dispose();
            _file = null;
        }
    }

    /// <summary>Puts a batch that could not be written back in front of what was appended since, for the next commit.</summary>
    private void RetainLocked(byte[] batch, int length, long upTo)
    {
        lock (_bufferLock)
        {
            int combined = length + _pendingLength;
            if (combined > MaxRetainedBytes)
            {
                // Give up on these records: the next compaction writes the whole table, which includes them.
                _recordsDropped = true;
                Volatile.Write(ref _durableBytes, upTo);
                _spare = batch;
                return;
            }

            byte[] target = batch.Length >= combined ? batch : ArrayPool<byte>.Shared.Rent(combined);
            if (!ReferenceEquals(target, batch))
            {
                batch.AsSpan(0, length).CopyTo(target);
                ArrayPool<byte>.Shared.Return(batch);
            }

            _pending.AsSpan(0, _pendingLength).CopyTo(target.AsSpan(length));
            _spare = _pending;
            _pending = target;
            _pendingLength = combined;
        }
    }

    private void CommitFailedLocked(Exception e)
    {
        _healthy = false;
        long failures = Interlocked.Increment(ref _commitFailures);
        if (ShouldLog(ref _lastCommitFailureLog, failures))
        {
            LeaseLog.CommitFailed(_logger, _path, e.Message, failures);
        }
    }

    private void EnsureRoomLocked(int needed)
    {
        if (_pending.Length - _pendingLength >= needed)
        {
            return;
        }

        byte[] grown = ArrayPool<byte>.Shared.Rent(Math.Max(_pending.Length * 2, _pendingLength + needed));
        _pending.AsSpan(0, _pendingLength).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_pending);
        _pending = grown;
    }

    /// <summary>The first failure is logged at once, then at most one line every 10 s (with the count so far).</summary>
    private static bool ShouldLog(ref long lastLogged, long failures)
    {
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Read(ref lastLogged);
        if (failures > 1 && last != 0 && Stopwatch.GetElapsedTime(last, now) < LogEvery)
        {
            return false;
        }

        Interlocked.Exchange(ref lastLogged, now);
        return true;
    }

    private void ReportBadRecords(string path, LeaseReplayReport report)
    {
        if (report.BadLines > 0)
        {
            LeaseLog.BadRecords(_logger, path, report.FirstBadLine ?? 0, report.BadLines);
        }
    }

    private static byte[] ReadIfExists(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot read the lease journal {path}: {e.Message}. Its leases must be replayed before serving (or an address could go to a second client): fix its permissions, or delete it to start from the lease file alone.", e);
        }
    }

    /// <summary>Removes the journal files (the network is gone, and its leases with it); no compaction runs after this.</summary>
    public void Delete()
    {
        lock (_compactLock)
        {
            _deleted = true;
            Dispose();
            File.Delete(_path);
            File.Delete(_rotatedPath);
        }
    }

    /// <summary>Closes the journal; an empty one (a clean stop compacts first) is deleted, so a stopped server leaves only its lease file.</summary>
    public void Dispose()
    {
        lock (_commitLock)
        {
            if (_file is null)
            {
                return;
            }

            bool empty = _healthy && Interlocked.Read(ref _fileLength) == 0 && Volatile.Read(ref _durableBytes) == Interlocked.Read(ref _appendedBytes) && !File.Exists(_rotatedPath);
            _file.Dispose();
            _file = null;
            if (empty)
            {
                try
                {
                    File.Delete(_path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Harmless: an empty journal replays to nothing.
                }
            }
        }
    }
}

/// <summary>A lease journal's counters.</summary>
/// <param name="Commits">Batches written and fdatasynced.</param>
/// <param name="CommitFailures">Batches whose write failed (disk full, unwritable).</param>
/// <param name="Compactions">Snapshots written.</param>
/// <param name="CompactionFailures">Snapshots that could not be written.</param>
/// <param name="RefusedBindings">New bindings released again, unacknowledged, because their batch failed.</param>
/// <param name="JournalBytes">The journal's size now.</param>
/// <param name="Healthy">Whether the last commit succeeded.</param>
public readonly record struct LeaseJournalCounters(long Commits, long CommitFailures, long Compactions, long CompactionFailures, long RefusedBindings, long JournalBytes, bool Healthy);
