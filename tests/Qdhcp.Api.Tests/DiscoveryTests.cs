namespace Qdhcp.Api.Tests;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task Root_VersionDocument_LinksToV2OnRequestHost()
    {
        await using TestAgent agent = await TestAgent.StartAsync();
        (int status, var body) = await agent.GetAsync("/");
        Assert.Equal(200, status);
        var version = body!["versions"]![0]!;
        Assert.Equal("v2.0", (string?)version["id"]);
        Assert.Equal("CURRENT", (string?)version["status"]);
        Assert.Equal($"http://127.0.0.1:{agent.BaseUri.Port}/v2.0/", (string?)version["links"]![0]!["href"]);
    }
}
