namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>
/// Integration tests need root (CAP_NET_ADMIN, CAP_SYS_ADMIN for setns) and <c>ip netns</c>. Where those are
/// missing every test skips with a message; it never passes silently.
/// </summary>
internal static class LabRequirements
{
    private static readonly Lazy<string?> Missing = new(FindMissing);

    /// <summary>Skips the current test unless network namespaces can be created here.</summary>
    public static void SkipUnlessAvailable()
    {
        string? missing = Missing.Value;
        if (missing is not null)
        {
            Assert.Skip($"This test needs root and network namespaces (ip netns): {missing}");
        }
    }

    /// <summary>Skips the current test unless the given client or tool is installed.</summary>
    public static string RequireTool(string name, string package)
    {
        string? path = Shell.Which(name);
        if (path is null)
        {
            Assert.Skip($"This test needs `{name}` (Debian package {package}); ./test.sh installs it when run as root.");
        }

        return path!;
    }

    private static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux";
        }

        if (Native.geteuid() != 0)
        {
            return "not running as root";
        }

        if (Shell.Which("ip") is null)
        {
            return "`ip` (iproute2) is not installed";
        }

        try
        {
            Shell.Result result = Shell.Run("ip", "netns", "list");
            return result.Ok ? null : $"`ip netns list` failed: {result.Stderr.Trim()}";
        }
        catch (Exception e)
        {
            return $"`ip netns list` could not run: {e.Message}";
        }
    }
}
