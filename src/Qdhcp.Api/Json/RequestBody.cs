using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Qdhcp.Api.Json;

/// <summary>
/// One resource of a request body (<c>{"port": {...}}</c>), read field by field with Neutron's checks and messages:
/// a field of the wrong JSON type is "Invalid input for FIELD. Reason: ...", an attribute nobody knows is
/// "Unrecognized attribute(s) 'x'", a read-only one on update "Cannot update read-only attribute x". Everything is
/// checked before the store is called, so a bad request changes nothing.
/// </summary>
internal sealed class RequestBody
{
    private readonly JsonElement _object;

    private RequestBody(JsonElement obj) => _object = obj;

    /// <summary>
    /// Reads <c>{"resource": {...}}</c>. Malformed JSON, a missing envelope or a list (Neutron's bulk create,
    /// which qdhcp does not take: it could not be all-or-nothing across resources) are 400s.
    /// </summary>
    public static async Task<RequestBody> ReadAsync(HttpContext context, string resource, string collection)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw ApiErrorException.BadRequest("Malformed request body: " + ex.Message);
        }

        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrorException.BadRequest($"Malformed request body: expected {{\"{resource}\": {{...}}}}.");
        }

        if (root.TryGetProperty(resource, out JsonElement body) && body.ValueKind == JsonValueKind.Object)
        {
            return new RequestBody(body.Clone());
        }

        if (root.TryGetProperty(collection, out _))
        {
            throw ApiErrorException.BadRequest($"Bulk operations on {collection} are not supported by qdhcp: send one {resource} per request.");
        }

        throw ApiErrorException.BadRequest($"Resource body required: expected {{\"{resource}\": {{...}}}}.");
    }

    public bool Has(string field) => _object.TryGetProperty(field, out _);

    /// <summary>400 for every attribute not in <paramref name="known"/>, named all at once as Neutron does.</summary>
    public void RejectUnknown(IReadOnlyCollection<string> known)
    {
        List<string> unknown = [];
        foreach (JsonProperty property in _object.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                unknown.Add(property.Name);
            }
        }

        if (unknown.Count > 0)
        {
            throw ApiErrorException.BadRequest($"Unrecognized attribute(s) '{string.Join(", ", unknown)}'");
        }
    }

    /// <summary>400 for attributes that exist but cannot change after create.</summary>
    public void RejectReadOnly(params ReadOnlySpan<string> fields)
    {
        foreach (string field in fields)
        {
            if (Has(field))
            {
                throw ApiErrorException.BadRequest($"Cannot update read-only attribute {field}");
            }
        }
    }

    /// <summary>
    /// An attribute of Neutron that qdhcp accepts only with Neutron's neutral value (shared false, no description,
    /// no security groups...): anything else is refused rather than silently dropped.
    /// </summary>
    public void AcceptOnlyNeutral(string field, Func<JsonElement, bool> isNeutral, string reason)
    {
        if (_object.TryGetProperty(field, out JsonElement value) && !isNeutral(value))
        {
            throw new ApiInputException(field, reason);
        }
    }

    /// <summary>A string field; absent gives null. JSON null is refused unless <paramref name="nullable"/> (then it reads as null too; use <see cref="IsNull"/>).</summary>
    public string? String(string field, bool nullable = false, int maxLength = 255)
    {
        if (!_object.TryGetProperty(field, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String when value.GetString()!.Length <= maxLength => value.GetString(),
            JsonValueKind.String => throw new ApiInputException(field, $"'{value.GetString()}' exceeds maximum length of {maxLength}"),
            JsonValueKind.Null when nullable => null,
            _ => throw new ApiInputException(field, $"{Show(value)} is not a valid string"),
        };
    }

    public bool IsNull(string field) => _object.TryGetProperty(field, out JsonElement v) && v.ValueKind == JsonValueKind.Null;

    /// <summary>A boolean as Neutron's convert_to_boolean takes it: true/false, or the strings and 0/1 it accepts.</summary>
    public bool? Bool(string field)
    {
        if (!_object.TryGetProperty(field, out JsonElement value))
        {
            return null;
        }

        return ToBool(value) ?? throw new ApiInputException(field, $"{Show(value)} is not a valid boolean value");
    }

    internal static bool? ToBool(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetInt32(out int n) && n is 0 or 1 => n == 1,
        JsonValueKind.String => value.GetString()!.ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => null,
        },
        _ => null,
    };

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>] (a numeric string is taken, as Neutron's convert_to_int).</summary>
    public long? Integer(string field, long min, long max)
    {
        if (!_object.TryGetProperty(field, out JsonElement value))
        {
            return null;
        }

        long n;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number))
        {
            n = number;
        }
        else if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed))
        {
            n = parsed;
        }
        else
        {
            throw new ApiInputException(field, $"{Show(value)} is not an integer");
        }

        if (n < min || n > max)
        {
            throw new ApiInputException(field, $"{n} is out of range: expected {min} to {max}");
        }

        return n;
    }

    /// <summary>A list of strings; absent gives null, JSON null an empty list (Neutron clears a list with null or []).</summary>
    public List<string>? StringList(string field) => ReadList(field, item => item.ValueKind == JsonValueKind.String
        ? item.GetString()!
        : throw new ApiInputException(field, $"{Show(item)} is not a valid string"));

    /// <summary>A list of objects, each read by <paramref name="read"/> (which names the field in its errors); absent gives null, null gives [].</summary>
    public List<T>? ObjectList<T>(string field, IReadOnlyCollection<string> keys, Func<ObjectReader, T> read) => ReadList(field, item =>
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new ApiInputException(field, $"{Show(item)} is not a dictionary");
        }

        foreach (JsonProperty property in item.EnumerateObject())
        {
            if (!keys.Contains(property.Name))
            {
                throw new ApiInputException(field, $"unexpected key '{property.Name}' (expected {string.Join(", ", keys)})");
            }
        }

        return read(new ObjectReader(field, item));
    });

    /// <summary>A list field, each item read by <paramref name="readItem"/>; absent gives null, JSON null an empty list.</summary>
    private List<T>? ReadList<T>(string field, Func<JsonElement, T> readItem)
    {
        if (!_object.TryGetProperty(field, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ApiInputException(field, $"{Show(value)} is not a list");
        }

        List<T> list = [];
        foreach (JsonElement item in value.EnumerateArray())
        {
            list.Add(readItem(item));
        }

        return list;
    }

    /// <summary>A JSON value as a message quotes it.</summary>
    internal static string Show(JsonElement value)
    {
        string raw = value.ValueKind == JsonValueKind.String ? "'" + value.GetString() + "'" : value.GetRawText();
        return raw.Length > 80 ? raw[..77] + "..." : raw;
    }

    /// <summary>One object of a list field (a fixed IP, a pool, a route, an extra DHCP option).</summary>
    internal readonly struct ObjectReader(string field, JsonElement item)
    {
        public bool Has(string key) => item.TryGetProperty(key, out _);

        public string? String(string key, bool required = false, bool nullable = false)
        {
            if (!item.TryGetProperty(key, out JsonElement value))
            {
                return required ? throw new ApiInputException(field, $"'{key}' is required in each item") : null;
            }

            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null when nullable || !required => null,
                JsonValueKind.Number => value.GetRawText(),
                _ => throw new ApiInputException(field, $"{key} {Show(value)} is not a valid string"),
            };
        }

        public int? Integer(string key)
        {
            if (!item.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n))
            {
                return n;
            }

            if (value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out int parsed))
            {
                return parsed;
            }

            throw new ApiInputException(field, $"{key} {Show(value)} is not an integer");
        }
    }
}
