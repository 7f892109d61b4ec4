using System.Globalization;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>
/// bench/Qdhcp.LoadGen (qdhcp-loadgen) run inside a VM namespace: its abuse modes (<c>flood</c>, <c>garbage</c>)
/// send only on that namespace's eth0. Its one output line of key=value pairs is returned parsed.
/// </summary>
public static class LoadGen
{
    /// <summary>Runs <c>qdhcp-loadgen MODE --interface eth0 ARGS</c> in <paramref name="vm"/>'s namespace to completion.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> RunAsync(Vm vm, string mode, params string[] arguments)
    {
        string loadgen = Binary();
        Shell.Result result = await Task.Run(() => Shell.Run("ip", ["netns", "exec", vm.Namespace, loadgen, mode, "--interface", vm.Interface, .. arguments], TimeSpan.FromMinutes(2)));
        NetworkLab.Log($"loadgen: {result.Command}\n{result.Stdout}{result.Stderr}");
        Assert.True(result.Ok, $"qdhcp-loadgen failed: {result}");
        Dictionary<string, string> values = new(StringComparer.Ordinal);
        foreach (string pair in result.Stdout.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=');
            if (equals > 0)
            {
                values[pair[..equals]] = pair[(equals + 1)..];
            }
        }

        return values;
    }

    public static long Number(this IReadOnlyDictionary<string, string> values, string key) =>
        values.TryGetValue(key, out string? text) ? long.Parse(text, CultureInfo.InvariantCulture) : throw new KeyNotFoundException($"qdhcp-loadgen printed no {key}=");

    /// <summary>bench/Qdhcp.LoadGen/bin/&lt;this build's configuration, then the other&gt;/net10.0/qdhcp-loadgen; missing is a failure with instructions.</summary>
    private static string Binary()
    {
        List<string> tried = [];
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Qdhcp.slnx")))
            {
                continue;
            }

            string thisConfiguration = AppContext.BaseDirectory.Contains("/bin/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            foreach (string configuration in new[] { thisConfiguration, thisConfiguration == "Debug" ? "Release" : "Debug" })
            {
                string path = Path.Combine(dir.FullName, "bench", "Qdhcp.LoadGen", "bin", configuration, "net10.0", "qdhcp-loadgen");
                if (File.Exists(path))
                {
                    return path;
                }

                tried.Add(path);
            }
        }

        throw new FileNotFoundException($"qdhcp-loadgen was not found (tried: {string.Join(", ", tried)}). Build it: `dotnet build Qdhcp.slnx` (or bench/Qdhcp.LoadGen).");
    }
}
