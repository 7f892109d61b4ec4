using Qdhcp.Configuration.Dnsmasq;

namespace Qdhcp.Configuration.Tests;

/// <summary>The README's dnsmasq options table is generated from <see cref="DnsmasqOptionTable"/>, so the two cannot drift.</summary>
public class ReadmeTests
{
    private const string Begin = "<!-- dnsmasq-options:begin (generated from DnsmasqOptionTable; QDHCP_UPDATE_README=1 dotnet test rewrites it) -->";
    private const string End = "<!-- dnsmasq-options:end -->";

    [Fact]
    public void DnsmasqOptionsTable_InReadme_MatchesOptionTable()
    {
        string readmePath = Path.Combine(FindRepositoryRoot(), "README.md");
        string readme = File.ReadAllText(readmePath);
        int begin = readme.IndexOf(Begin, StringComparison.Ordinal);
        int end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"README.md must hold the table between '{Begin}' and '{End}'.");

        string expected = "\n" + DnsmasqOptionTable.ToMarkdown();
        string actual = readme[(begin + Begin.Length)..end];
        if (actual != expected && Environment.GetEnvironmentVariable("QDHCP_UPDATE_README") == "1")
        {
            File.WriteAllText(readmePath, readme[..(begin + Begin.Length)] + expected + readme[end..]);
            return;
        }

        Assert.Equal(expected, actual);
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Qdhcp.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Qdhcp.slnx not found above " + AppContext.BaseDirectory);
    }
}
