using Microsoft.Extensions.Logging;

namespace Qdhcp.Agent.Linux.Hosting;

/// <summary>The agent runtime's log messages (fixed event ids); nothing per packet.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Error, Message = "Network {NetworkId}: {Error}")]
    public static partial void SocketError(ILogger logger, string networkId, string error);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Resync: {Networks} networks, {Actions} plumbing actions ({Unchanged} networks untouched), serving in {Milliseconds:F0} ms")]
    public static partial void Resynced(ILogger logger, int networks, int actions, int unchanged, double milliseconds);

    [LoggerMessage(EventId = 402, Level = LogLevel.Error, Message = "Network {NetworkId}: {Error}")]
    public static partial void NetworkFailed(ILogger logger, string networkId, string error);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Network {NetworkId}: {What} applied in {Milliseconds:F1} ms")]
    public static partial void ChangeApplied(ILogger logger, string networkId, string what, double milliseconds);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Writing the leases of network {NetworkId} failed: {Error}")]
    public static partial void LeaseWriteFailed(ILogger logger, string networkId, string error);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "Network {NetworkId}: released {Count} lease(s) of port {PortId}")]
    public static partial void LeasesReleased(ILogger logger, string networkId, int count, string portId);

    [LoggerMessage(EventId = 406, Level = LogLevel.Information, Message = "Network {NetworkId} removed")]
    public static partial void NetworkRemoved(ILogger logger, string networkId);

    [LoggerMessage(EventId = 407, Level = LogLevel.Information, Message = "Removed stale {What} {Name} (owned by this agent, no network any more)")]
    public static partial void StaleRemoved(ILogger logger, string what, string name);
}
