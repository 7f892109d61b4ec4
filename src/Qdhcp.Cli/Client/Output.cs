using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Qdhcp.Cli.Client;

/// <summary>How the client commands print: aligned tables for people, the API's JSON for scripts (<c>--json</c>).</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Json(TextWriter writer, JsonNode node) => writer.WriteLine(node.ToJsonString(Indented));

    /// <summary>One column per (header, attribute); attributes rendered by <see cref="Text"/>.</summary>
    public static void Table(TextWriter writer, JsonArray items, params (string Header, Func<JsonObject, string> Value)[] columns)
    {
        List<string[]> rows = [[.. columns.Select(c => c.Header)]];
        rows.AddRange(items.OfType<JsonObject>().Select(item => columns.Select(c => c.Value(item)).ToArray()));
        int[] widths = [.. Enumerable.Range(0, columns.Length).Select(i => rows.Max(r => r[i].Length))];
        foreach (string[] row in rows)
        {
            StringBuilder line = new();
            for (int i = 0; i < row.Length; i++)
            {
                line.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            writer.WriteLine(line.ToString().TrimEnd());
        }
    }

    /// <summary>A resource as two columns, field and value, fields in alphabetical order (as the openstack CLI).</summary>
    public static void Fields(TextWriter writer, JsonObject item)
    {
        JsonArray rows = [.. item.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (JsonNode)new JsonObject { ["f"] = p.Key, ["v"] = Text(p.Value) })];
        Table(writer, rows, ("FIELD", r => (string)r["f"]!), ("VALUE", r => (string)r["v"]!));
    }

    public static string Attr(JsonObject item, string key) => Text(item[key]);

    /// <summary>Scalars as they are, lists joined with ", ", objects as k=v (a fixed IP: <c>ip_address=10.0.0.2 subnet_id=...</c>).</summary>
    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray array => string.Join(", ", array.Select(Text)),
        JsonObject obj => string.Join(" ", obj.Select(p => p.Key + "=" + Text(p.Value))),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValueKind() == JsonValueKind.True ? "true" : "false",
        _ => node.ToJsonString(),
    };
}
