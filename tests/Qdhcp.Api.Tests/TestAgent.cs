using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Qdhcp.Agent.Store;
using Qdhcp.Api;

namespace Qdhcp.Api.Tests;

/// <summary>The API on a real Kestrel at 127.0.0.1:random over an <see cref="InMemoryNetworkStore"/>, and a client for it.</summary>
public sealed class TestAgent : IAsyncDisposable
{
    private TestAgent(WebApplication app, InMemoryNetworkStore store, Uri baseUri, string? token)
    {
        App = app;
        Store = store;
        BaseUri = baseUri;
        Http = new HttpClient { BaseAddress = baseUri };
        if (token is not null)
        {
            Http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        }
    }

    public WebApplication App { get; }

    public InMemoryNetworkStore Store { get; }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public static async Task<TestAgent> StartAsync(string? token = null, IAgentRuntimeView? runtime = null, string listen = "127.0.0.1:0")
    {
        InMemoryNetworkStore store = new();
        await store.InitializeAsync();
        AgentApiOptions options = new()
        {
            Listen = listen,
            Token = token,
            ConfigureBuilder = b => b.Logging.ClearProviders(),
        };
        WebApplication app = await AgentApiHost.BuildAsync(options, store, runtime ?? NullAgentRuntimeView.Instance);
        await app.StartAsync();
        return new TestAgent(app, store, AgentApiHost.GetListenUri(app), token);
    }

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using HttpRequestMessage request = new(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using HttpResponseMessage response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public Task<(int Status, JsonNode? Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<(int Status, JsonNode? Body)> PostAsync(string path, string json) => SendAsync(HttpMethod.Post, path, json);

    public Task<(int Status, JsonNode? Body)> PutAsync(string path, string json) => SendAsync(HttpMethod.Put, path, json);

    public Task<(int Status, JsonNode? Body)> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>Creates a network (and a subnet when <paramref name="cidr"/> is given); returns their ids.</summary>
    public async Task<(string NetworkId, string? SubnetId)> CreateNetworkAsync(string name = "n1", string? cidr = "10.10.10.0/24")
    {
        (int status, JsonNode? body) = await PostAsync("/v2.0/networks", $$$"""{"network": {"name": "{{{name}}}"}}""");
        Assert.Equal(201, status);
        string networkId = (string)body!["network"]!["id"]!;
        if (cidr is null)
        {
            return (networkId, null);
        }

        (status, body) = await PostAsync("/v2.0/subnets", $$$"""{"subnet": {"network_id": "{{{networkId}}}", "cidr": "{{{cidr}}}", "ip_version": 4, "name": "{{{name}}}-s"}}""");
        Assert.Equal(201, status);
        return (networkId, (string)body!["subnet"]!["id"]!);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Store.DisposeAsync();
    }
}
