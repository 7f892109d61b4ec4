using Microsoft.Win32.SafeHandles;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>
/// Runs code inside a network namespace: a fresh thread joins the namespace with setns(CLONE_NEWNET), runs the
/// action and ends. Sockets created there stay in that namespace for their whole life, whichever thread uses them
/// later, so the rest of the process (and the test runner) never leaves the root namespace.
/// </summary>
internal static class Netns
{
    public static T Run<T>(string ns, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using SafeFileHandle handle = File.OpenHandle($"/var/run/netns/{ns}", FileMode.Open, FileAccess.Read);
                if (Native.setns((int)handle.DangerousGetHandle(), Native.CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({ns}) failed: {Native.LastError()}");
                }

                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        })
        {
            IsBackground = true,
            Name = $"netns {ns}",
        };
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"In namespace {ns}: {error.Message}", error);
        }

        return result;
    }

    /// <summary>The inode that identifies a named namespace, to compare with /proc/PID/ns/net.</summary>
    public static string Identity(string ns)
    {
        // "net:[4026532xxx]" is what /proc/PID/ns/net links to; build the same text from the bind mount's inode.
        string inode = Shell.Check("stat", "-L", "-c", "%i", $"/var/run/netns/{ns}").Trim();
        return $"net:[{inode}]";
    }

    /// <summary>True when process <paramref name="pid"/> already lives in namespace <paramref name="ns"/>.</summary>
    public static bool ProcessIsIn(int pid, string identity)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/net").LinkTarget == identity;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
