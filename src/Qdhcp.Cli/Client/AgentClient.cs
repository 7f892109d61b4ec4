using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Qdhcp.Cli.Client;

/// <summary>An error from the agent's API (its NeutronError message), or from reaching it.</summary>
public sealed class AgentClientException(string message, int? statusCode = null) : Exception(message)
{
    /// <summary>The HTTP status, or null when the agent could not be reached.</summary>
    public int? StatusCode { get; } = statusCode;
}

/// <summary>
/// A thin client of the agent's Neutron-shaped API: it sends and receives JSON as the API defines it (JsonNode, so no
/// reflection: the executable is AOT-compatible) and turns <c>{"NeutronError": {...}}</c> into
/// <see cref="AgentClientException"/> with the server's message.
/// </summary>
public sealed class AgentClient : IDisposable
{
    /// <summary>The agent's default address (Neutron's port, on loopback).</summary>
    public const string DefaultEndpoint = "http://127.0.0.1:9696";

    public const string EndpointEnvironmentVariable = "QDHCP_ENDPOINT";

    public const string TokenEnvironmentVariable = "QDHCP_API_TOKEN";

    private readonly HttpClient _http;

    public AgentClient(Uri endpoint, string? token, HttpMessageHandler? handler = null)
    {
        Endpoint = endpoint;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = new Uri(endpoint.ToString().TrimEnd('/') + "/");
        _http.Timeout = TimeSpan.FromSeconds(30);
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        }

        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public Uri Endpoint { get; }

    /// <summary><c>GET v2.0/{collection}?query</c>: the list.</summary>
    public async Task<JsonArray> ListAsync(string collection, IEnumerable<KeyValuePair<string, string>>? filters, CancellationToken ct)
    {
        string query = filters is null ? "" : string.Join('&', filters.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));
        JsonNode body = await SendAsync(HttpMethod.Get, $"v2.0/{collection}" + (query.Length > 0 ? "?" + query : ""), null, ct).ConfigureAwait(false) ?? new JsonObject();
        return body[collection] as JsonArray ?? throw new AgentClientException($"the agent's answer has no '{collection}' list");
    }

    public async Task<JsonObject> CreateAsync(string resource, string collection, JsonObject attributes, CancellationToken ct) =>
        Unwrap(await SendAsync(HttpMethod.Post, $"v2.0/{collection}", new JsonObject { [resource] = attributes }, ct).ConfigureAwait(false), resource);

    public async Task<JsonObject> UpdateAsync(string resource, string collection, string id, JsonObject attributes, CancellationToken ct) =>
        Unwrap(await SendAsync(HttpMethod.Put, $"v2.0/{collection}/{Uri.EscapeDataString(id)}", new JsonObject { [resource] = attributes }, ct).ConfigureAwait(false), resource);

    public async Task DeleteAsync(string collection, string id, CancellationToken ct) =>
        await SendAsync(HttpMethod.Delete, $"v2.0/{collection}/{Uri.EscapeDataString(id)}", null, ct).ConfigureAwait(false);

    /// <summary>The leases of a network (<c>GET v2.0/qdhcp/networks/{id}/leases</c>).</summary>
    public async Task<JsonArray> ListLeasesAsync(string networkId, CancellationToken ct)
    {
        JsonNode? body = await SendAsync(HttpMethod.Get, $"v2.0/qdhcp/networks/{Uri.EscapeDataString(networkId)}/leases", null, ct).ConfigureAwait(false);
        return body?["leases"] as JsonArray ?? throw new AgentClientException("the agent's answer has no 'leases' list");
    }

    /// <summary>
    /// A resource by id or name, as the openstack CLI finds them: the id first, then the name, which must be unique.
    /// </summary>
    public async Task<JsonObject> FindAsync(string resource, string collection, string nameOrId, CancellationToken ct)
    {
        try
        {
            return Unwrap(await SendAsync(HttpMethod.Get, $"v2.0/{collection}/{Uri.EscapeDataString(nameOrId)}", null, ct).ConfigureAwait(false), resource);
        }
        catch (AgentClientException ex) when (ex.StatusCode == 404)
        {
        }

        JsonArray named = await ListAsync(collection, [new("name", nameOrId)], ct).ConfigureAwait(false);
        return named.Count switch
        {
            1 => named[0]!.AsObject(),
            0 => throw new AgentClientException($"no {resource} with id or name '{nameOrId}'", 404),
            _ => throw new AgentClientException($"{named.Count} {collection} are named '{nameOrId}': give the id", 409),
        };
    }

    private static JsonObject Unwrap(JsonNode? body, string resource) =>
        body?[resource] as JsonObject ?? throw new AgentClientException($"the agent's answer has no '{resource}'");

    private async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using HttpRequestMessage request = new(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            string why = ex.InnerException is SocketException s ? s.Message : ex.Message;
            throw new AgentClientException($"cannot reach the agent at {Endpoint}: {why} (is `qdhcp agent` running? set --endpoint or ${EndpointEnvironmentVariable})");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new AgentClientException($"the agent at {Endpoint} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            JsonNode? json = null;
            if (text.Length > 0)
            {
                try
                {
                    json = JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        throw new AgentClientException($"the agent's answer to {method} /{path} is not JSON", (int)response.StatusCode);
                    }
                }
            }

            if (response.IsSuccessStatusCode)
            {
                return json;
            }

            string message = (string?)json?["NeutronError"]?["message"]
                ?? (response.StatusCode == HttpStatusCode.Unauthorized ? "the agent wants a token: --token or $" + TokenEnvironmentVariable : null)
                ?? $"{(int)response.StatusCode} {response.ReasonPhrase}";
            throw new AgentClientException(message, (int)response.StatusCode);
        }
    }

    public void Dispose() => _http.Dispose();
}
