using Qdhcp.Fuzz;

namespace Qdhcp.Fuzz.Tests;

/// <summary>
/// Every fuzz target over its whole corpus (tests/Qdhcp.Fuzz/Corpus/TARGET, copied to the output directory):
/// the seeds and every finding added after a fix stay regression tests without a fuzzer installed.
/// </summary>
public sealed class CorpusTests
{
    public static TheoryData<string> Targets => new(FuzzTargets.All.Keys);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_WholeCorpus_NoFinding(string target)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Corpus", target);
        string[] files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        FuzzTarget fuzz = FuzzTargets.All[target];
        foreach (string file in files.Order(StringComparer.Ordinal))
        {
            byte[] input = File.ReadAllBytes(file);
            Exception? finding = Record.Exception(() => fuzz(input));
            Assert.True(finding is null, $"{target} on {Path.GetFileName(file)}: {finding}");
        }
    }

    [Fact]
    public void EveryTarget_HasACorpus_AndEveryCorpus_HasATarget()
    {
        string root = Path.Combine(AppContext.BaseDirectory, "Corpus");
        string[] corpora = Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(FuzzTargets.All.Keys.Order(StringComparer.Ordinal), corpora);
    }
}
