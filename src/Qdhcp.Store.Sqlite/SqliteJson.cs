using System.Text.Json;
using System.Text.Json.Serialization;
using Qdhcp.Agent.Model;

namespace Qdhcp.Store.Sqlite;

/// <summary>The list columns' JSON, source-generated (no reflection, AOT-friendly), snake_case as Neutron's API.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<HostRoute>))]
[JsonSerializable(typeof(List<AllocationPool>))]
[JsonSerializable(typeof(List<ExtraDhcpOpt>))]
internal sealed partial class SqliteJsonContext : JsonSerializerContext;

internal static class SqliteJson
{
    public static string Nameservers(IReadOnlyList<string> value) =>
        JsonSerializer.Serialize([.. value], SqliteJsonContext.Default.ListString);

    public static string Routes(IReadOnlyList<HostRoute> value) =>
        JsonSerializer.Serialize([.. value], SqliteJsonContext.Default.ListHostRoute);

    public static string Pools(IReadOnlyList<AllocationPool> value) =>
        JsonSerializer.Serialize([.. value], SqliteJsonContext.Default.ListAllocationPool);

    public static string Options(IReadOnlyList<ExtraDhcpOpt> value) =>
        JsonSerializer.Serialize([.. value], SqliteJsonContext.Default.ListExtraDhcpOpt);

    public static List<string> ReadNameservers(string json) =>
        JsonSerializer.Deserialize(json, SqliteJsonContext.Default.ListString) ?? [];

    public static List<HostRoute> ReadRoutes(string json) =>
        JsonSerializer.Deserialize(json, SqliteJsonContext.Default.ListHostRoute) ?? [];

    public static List<AllocationPool> ReadPools(string json) =>
        JsonSerializer.Deserialize(json, SqliteJsonContext.Default.ListAllocationPool) ?? [];

    public static List<ExtraDhcpOpt> ReadOptions(string json) =>
        JsonSerializer.Deserialize(json, SqliteJsonContext.Default.ListExtraDhcpOpt) ?? [];
}
