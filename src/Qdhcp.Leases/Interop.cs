using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Qdhcp.Leases;

/// <summary>fdatasync(2) and a directory fsync, which .NET does not wrap.</summary>
internal static partial class Interop
{
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY

    /// <summary>Flushes a file's data (and the size, not the times) to the disk; throws <see cref="IOException"/> with errno's text.</summary>
    public static void DataSync(SafeFileHandle file, string path)
    {
        if (fdatasync(file) != 0)
        {
            throw new IOException($"fdatasync {path}: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Makes renames and creations in <paramref name="directory"/> durable (rename(2) alone is atomic, not durable).</summary>
    public static void SyncDirectory(string directory)
    {
        int fd = open(directory, ReadOnlyDirectory);
        if (fd < 0)
        {
            throw new IOException($"open {directory}: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
        }

        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"fsync {directory}: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(SafeFileHandle fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
