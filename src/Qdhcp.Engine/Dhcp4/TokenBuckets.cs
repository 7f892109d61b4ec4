using System.Numerics;

namespace Qdhcp.Engine.Dhcp4;

/// <summary>
/// Token-bucket rate limits for many keys (client MACs, relays) in a fixed amount of memory, so a flood of new
/// keys (random MACs) cannot grow it: an open-addressed table of <c>capacity</c> slots, probed a few slots deep;
/// a new key takes an empty slot or evicts the slot refilled longest ago. An evicted key starts again with a full
/// bucket, which errs on the side of answering. Time is in whole seconds (the engine's clock): each second
/// refills <c>rate</c> tokens, up to <c>burst</c>. Single writer (the engine runs one request at a time).
/// </summary>
public sealed class TokenBuckets
{
    private const int ProbeDepth = 8;
    private readonly ulong[] _keys;
    private readonly long[] _refilledAt;
    private readonly float[] _tokens;
    private readonly int _mask;

    /// <param name="capacity">Slots; rounded up to a power of two.</param>
    public TokenBuckets(int capacity)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, ProbeDepth));
        _keys = new ulong[size];
        _refilledAt = new long[size];
        _tokens = new float[size];
        _mask = size - 1;
    }

    /// <summary>Takes one token from <paramref name="key"/>'s bucket; false when it is empty (the request is over the limit).</summary>
    /// <param name="key">Any 63-bit key; the top bit is used to mark occupied slots.</param>
    /// <param name="ratePerSecond">Tokens added per second; 0 or less means unlimited.</param>
    /// <param name="burst">The bucket's size: how many may come at once after a quiet spell.</param>
    public bool TryTake(ulong key, long nowSeconds, int ratePerSecond, int burst)
    {
        if (ratePerSecond <= 0)
        {
            return true;
        }

        ulong stored = key | (1UL << 63);
        int home = (int)(Mix(stored) & (uint)_mask);
        int victim = -1;
        long oldest = long.MaxValue;
        for (int probe = 0; probe < ProbeDepth; probe++)
        {
            int slot = (home + probe) & _mask;
            ulong occupant = _keys[slot];
            if (occupant == stored)
            {
                long elapsed = nowSeconds - _refilledAt[slot];
                float tokens = _tokens[slot];
                if (elapsed > 0)
                {
                    tokens = (float)Math.Min(burst, tokens + ((double)elapsed * ratePerSecond));
                    _refilledAt[slot] = nowSeconds;
                }

                if (tokens < 1)
                {
                    _tokens[slot] = tokens;
                    return false;
                }

                _tokens[slot] = tokens - 1;
                return true;
            }

            if (occupant == 0)
            {
                victim = slot;
                break;
            }

            if (_refilledAt[slot] < oldest)
            {
                oldest = _refilledAt[slot];
                victim = slot;
            }
        }

        _keys[victim] = stored;
        _refilledAt[victim] = nowSeconds;
        _tokens[victim] = Math.Max(burst, 1) - 1;
        return true;
    }

    /// <summary>A 64-bit finaliser (from MurmurHash3): neighbouring MACs land far apart.</summary>
    private static ulong Mix(ulong value)
    {
        value ^= value >> 33;
        value *= 0xff51afd7ed558ccdUL;
        value ^= value >> 33;
        value *= 0xc4ceb9fe1a85ec53UL;
        value ^= value >> 33;
        return value;
    }
}
