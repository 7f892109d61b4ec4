namespace Qdhcp.Leases;

/// <summary>File helpers for lease persistence that .NET lacks.</summary>
public static class LeaseFiles
{
    /// <summary>fsync(2) on a directory: makes a rename or a new file in it survive a power loss (the rename alone is only atomic).</summary>
    public static void SyncDirectory(string directory) => Interop.SyncDirectory(directory);
}
