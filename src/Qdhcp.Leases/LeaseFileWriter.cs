using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Qdhcp.Engine.Leases;

namespace Qdhcp.Leases;

/// <summary>
/// Replaces dnsmasq's lease file (<c>--dhcp-leasefile</c>) with a lease set, atomically and durably, streaming: each
/// lease is formatted by <see cref="LeaseLine"/> (the journal's grant record is the same line) into one reused 64 KiB
/// buffer, which is written to <c>&lt;path&gt;.tmp-&lt;pid&gt;</c> whenever it fills; then fdatasync, rename over
/// <c>&lt;path&gt;</c>, fsync of the directory. A reader (Neutron, <c>dhcp_release</c>) sees the old file or the new
/// one, never half of one, even across a crash; once <see cref="Write"/> returns the new one survives a power loss.
/// </summary>
/// <remarks>
/// Compaction calls this every 0.1-1.5 s under a renewal storm, for up to 65,535 leases (about 5.5 MB). Formatting the
/// whole file as one string and encoding it (the previous way) left two multi-MB large-object-heap arrays per
/// compaction, which only a full GC collects, so RSS climbed; this allocates a few small objects for the file calls
/// (the handle) and nothing per lease. Not thread-safe: one writer per lease file, called by its journal's compaction
/// (which holds the compaction lock).
/// </remarks>
public sealed class LeaseFileWriter
{
    private const int BufferBytes = 64 << 10;

    private readonly string _path;
    private readonly string _temporaryPath;
    private readonly string _directory;

    // Under 85,000 bytes, so not on the large-object heap; allocated once, kept for the writer's life.
    private byte[] _buffer = new byte[BufferBytes];

    public LeaseFileWriter(string path)
    {
        _path = Path.GetFullPath(path);
        _temporaryPath = _path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        _directory = Path.GetDirectoryName(_path)!;
    }

    /// <summary>Replaces the lease file with <paramref name="leases"/>, one line each, in that order. On failure the old file stays and the temporary one is removed.</summary>
    public void Write(ReadOnlySpan<LeaseEntry> leases)
    {
        try
        {
            using (SafeFileHandle file = File.OpenHandle(_temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                long offset = 0;
                int used = 0;
                foreach (ref readonly LeaseEntry lease in leases)
                {
                    int room = LeaseLine.MaxLength(lease.HostName, lease.ClientId?.Length ?? 0);
                    if (_buffer.Length - used < room)
                    {
                        offset = Flush(file, used, offset);
                        used = 0;
                        if (_buffer.Length < room)
                        {
                            // Only a lease loaded from a file with a host name of tens of thousands of characters.
                            _buffer = new byte[room];
                        }
                    }

                    used += LeaseLine.Write(_buffer.AsSpan(used), lease.ExpiresUnixSeconds, lease.Mac, lease.Address, lease.HostName, lease.ClientId);
                }

                Flush(file, used, offset);

                // A new file: fdatasync also makes its size durable (what reading it back needs).
                Interop.DataSync(file, _temporaryPath);
            }

            File.Move(_temporaryPath, _path, overwrite: true);
        }
        catch
        {
            File.Delete(_temporaryPath);
            throw;
        }

        // The rename must be durable before the caller deletes the journal this file replaces.
        Interop.SyncDirectory(_directory);
    }

    private long Flush(SafeFileHandle file, int used, long offset)
    {
        RandomAccess.Write(file, _buffer.AsSpan(0, used), offset);
        return offset + used;
    }
}
