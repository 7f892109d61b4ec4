using System.Text.Json;
using Qdhcp.Api.Json;

namespace Qdhcp.Api.Endpoints;

/// <summary>
/// Neutron attributes that qdhcp has no use for are accepted with their neutral value (what clients send when the
/// user asked for nothing) and refused with a 400 otherwise: dropping a value the user asked for would be a silent
/// half-apply.
/// </summary>
internal static class Neutral
{
    public static void Description(RequestBody body) =>
        body.AcceptOnlyNeutral("description", v => v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0),
            "descriptions are not stored by qdhcp (use the name)");

    public static void False(RequestBody body, string field, string reason) =>
        body.AcceptOnlyNeutral(field, v => RequestBody.ToBool(v) == false, reason);

    public static void EmptyList(RequestBody body, string field, string reason) =>
        body.AcceptOnlyNeutral(field, v => v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0), reason);

    public static void EmptyObject(RequestBody body, string field, string reason) =>
        body.AcceptOnlyNeutral(field, v => v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.Object && !v.EnumerateObject().Any()), reason);

    public static void Null(RequestBody body, string field, string reason) =>
        body.AcceptOnlyNeutral(field, v => v.ValueKind == JsonValueKind.Null, reason);

    public static void EmptyString(RequestBody body, string field, string reason) =>
        body.AcceptOnlyNeutral(field, v => v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0), reason);

    public static void Project(RequestBody body)
    {
        EmptyString(body, "tenant_id", "qdhcp has no projects");
        EmptyString(body, "project_id", "qdhcp has no projects");
    }
}
