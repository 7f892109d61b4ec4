using Qdhcp.Wire.Dhcp4;

namespace Qdhcp.Engine.Dhcp4;

/// <summary>
/// Per-network packet counters, written only by the network's receive loop and read by metrics. Plain
/// increments: one writer, and a metric read that is a few packets stale is fine.
/// </summary>
public sealed class Dhcp4Counters
{
    private readonly long[] _received = new long[9];
    private readonly long[] _sent = new long[9];
    private readonly long[] _dropped = new long[Enum.GetValues<Dhcp4DropReason>().Length];

    public void Record(in Dhcp4EngineResult result)
    {
        if ((uint)result.RequestType < (uint)_received.Length)
        {
            _received[(int)result.RequestType]++;
        }

        if (result.HasReply)
        {
            _sent[(int)result.ReplyType]++;
        }
        else if ((uint)result.DropReason < (uint)_dropped.Length)
        {
            _dropped[(int)result.DropReason]++;
        }
    }

    public long Received(Dhcp4MessageType type) => Volatile.Read(ref _received[(int)type]);

    public long Sent(Dhcp4MessageType type) => Volatile.Read(ref _sent[(int)type]);

    public long Dropped(Dhcp4DropReason reason) => Volatile.Read(ref _dropped[(int)reason]);
}
