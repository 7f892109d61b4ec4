using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Qdhcp.Api.Json;

/// <summary>
/// Neutron's list query string, applied to the bodies the API would return:
/// <list type="bullet">
/// <item><c>key=value</c> for any attribute of the body keeps the items whose attribute equals the value; a key given
/// several times matches any of its values (OR), different keys must all match (AND). Booleans match
/// <c>true</c>/<c>True</c>/<c>1</c>; list attributes (<c>tags</c>, <c>subnets</c>) match when one element does; MACs
/// match in any case.</item>
/// <item><c>fixed_ips=ip_address=A</c>, <c>fixed_ips=subnet_id=S</c> (URL-encoded <c>=</c> as <c>%3D</c>): ports with
/// one fixed IP that satisfies every given key, as Neutron's IP allocation join does.</item>
/// <item><c>fields=a&amp;fields=b</c> keeps only those attributes of each item.</item>
/// <item><c>limit</c> and <c>marker</c> (the id after which to start) page; <c>sort_key</c>, <c>sort_dir</c> and
/// <c>page_reverse</c> are accepted and ignored (items come in creation order).</item>
/// <item>Any other key is a 400 "[key] is invalid attribute for filtering", as Neutron's filter validation.</item>
/// </list>
/// </summary>
internal static class ListQuery
{
    private static readonly HashSet<string> NotFilters = ["fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"];

    public static JsonArray Apply<T>(IQueryCollection query, IEnumerable<T> items, JsonTypeInfo<T> typeInfo)
    {
        HashSet<string> attributes = [.. typeInfo.Properties.Select(p => p.Name)];
        List<KeyValuePair<string, StringValues>> filters = [];
        foreach (KeyValuePair<string, StringValues> pair in query)
        {
            if (NotFilters.Contains(pair.Key))
            {
                continue;
            }

            if (!attributes.Contains(pair.Key))
            {
                throw ApiErrorException.BadRequest($"[{pair.Key}] is invalid attribute for filtering");
            }

            filters.Add(pair);
        }

        int? limit = null;
        if (query.TryGetValue("limit", out StringValues limitText))
        {
            if (!int.TryParse(limitText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                throw new ApiInputException("limit", $"'{limitText}' is not a non-negative integer");
            }

            limit = n == 0 ? null : n;
        }

        string? marker = query.TryGetValue("marker", out StringValues m) ? m.ToString() : null;
        HashSet<string>? fields = query.TryGetValue("fields", out StringValues f) ? [.. f.SelectMany(v => (v ?? "").Split(','))] : null;

        JsonArray result = [];
        bool started = marker is null;
        foreach (T item in items)
        {
            JsonObject node = JsonSerializer.SerializeToNode(item, typeInfo)!.AsObject();
            if (!filters.TrueForAll(filter => Matches(node, filter.Key, filter.Value)))
            {
                continue;
            }

            if (!started)
            {
                started = (string?)node["id"] == marker;
                continue;
            }

            if (limit is { } max && result.Count >= max)
            {
                break;
            }

            result.Add((JsonNode)Project(node, fields));
        }

        return result;
    }

    /// <summary>Keeps only <paramref name="fields"/> of <paramref name="node"/> (all when null).</summary>
    public static JsonObject Project(JsonObject node, HashSet<string>? fields)
    {
        if (fields is null || fields.Count == 0)
        {
            return node;
        }

        foreach (string key in node.Select(p => p.Key).ToList())
        {
            if (!fields.Contains(key))
            {
                node.Remove(key);
            }
        }

        return node;
    }

    private static bool Matches(JsonObject node, string key, StringValues wanted)
    {
        JsonNode? value = node[key];
        if (key == "fixed_ips")
        {
            return MatchesFixedIps(value as JsonArray, wanted);
        }

        StringComparison comparison = key == "mac_address" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return value switch
        {
            JsonArray array => array.Any(element => element is JsonValue v && wanted.Any(w => Equal(v, w, comparison))),
            JsonValue scalar => wanted.Any(w => Equal(scalar, w, comparison)),
            _ => false,
        };
    }

    private static bool Equal(JsonValue value, string? wanted, StringComparison comparison)
    {
        if (wanted is null)
        {
            return false;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.True => wanted.Equals("true", StringComparison.OrdinalIgnoreCase) || wanted == "1",
            JsonValueKind.False => wanted.Equals("false", StringComparison.OrdinalIgnoreCase) || wanted == "0",
            JsonValueKind.String => string.Equals(value.GetValue<string>(), wanted, comparison),
            _ => value.ToJsonString() == wanted,
        };
    }

    /// <summary><c>ip_address=A</c>, <c>subnet_id=S</c>, <c>ip_address_substr=P</c>: one fixed IP must satisfy every key given (any value per key).</summary>
    private static bool MatchesFixedIps(JsonArray? fixedIps, StringValues wanted)
    {
        Dictionary<string, List<string>> byKey = [];
        foreach (string? spec in wanted)
        {
            int eq = spec?.IndexOf('=') ?? -1;
            string k = eq > 0 ? spec![..eq] : "";
            if (k is not ("ip_address" or "subnet_id" or "ip_address_substr"))
            {
                throw new ApiInputException("fixed_ips", $"'{spec}' is not a valid fixed_ips filter: expected ip_address=A, subnet_id=S or ip_address_substr=P");
            }

            (byKey.TryGetValue(k, out List<string>? list) ? list : byKey[k] = []).Add(spec![(eq + 1)..]);
        }

        return fixedIps is not null && fixedIps.Any(ip =>
        {
            string address = (string?)ip?["ip_address"] ?? "";
            string subnet = (string?)ip?["subnet_id"] ?? "";
            return byKey.All(pair => pair.Key switch
            {
                "ip_address" => pair.Value.Contains(address),
                "subnet_id" => pair.Value.Contains(subnet),
                _ => pair.Value.Any(s => address.Contains(s, StringComparison.Ordinal)),
            });
        });
    }
}
