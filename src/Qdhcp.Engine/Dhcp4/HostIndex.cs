using System.Numerics;
using System.Runtime.CompilerServices;
using Qdhcp.Engine.Model;

namespace Qdhcp.Engine.Dhcp4;

/// <summary>
/// Finds a <see cref="HostTable"/>'s rows by MAC, by reserved address and by client-id: three open-addressed tables
/// of row numbers (an <see cref="int"/> per slot, row + 1, 0 = empty; linear probing; a power of two of slots, at
/// least twice the keys), keyed by what the rows themselves hold, so a lookup reads the slot and then the row.
/// </summary>
/// <remarks>
/// For 65,535 hosts this is 1 MB of two <see cref="int"/> arrays, where frozen dictionaries of a <c>HostEntry</c>
/// object per host took ~7.5 MB and most of a reload's compile time; building it is two passes over the rows with
/// no allocation but the arrays. As in the dictionaries it replaces, the first row with a key wins: later rows with
/// the same MAC, address or client-id are not indexed (the configuration loaders report such duplicates).
/// </remarks>
internal sealed class HostIndex
{
    /// <summary>2^64 / φ: Fibonacci hashing spreads Neutron's sequential MACs and addresses over the slots.</summary>
    private const ulong Fibonacci = 0x9E3779B97F4A7C15UL;

    private readonly HostTable _table;
    private readonly int[] _byMac;
    private readonly int[] _byAddress;
    private readonly int[] _byClientId;
    private readonly ulong _keyMask;

    /// <param name="table">The rows to index.</param>
    /// <param name="keyMask">
    /// Bits of each key that choose its slot: all of them, except in tests, which keep one or two bits to make every
    /// key collide and check that probing and the byte comparison still find the right row.
    /// </param>
    public HostIndex(HostTable table, ulong keyMask = ulong.MaxValue)
    {
        _table = table;
        _keyMask = keyMask;
        int macs = 0, addresses = 0, clientIds = 0;
        for (int row = 0; row < table.Count; row++)
        {
            macs += table.HasMac(row) ? 1 : 0;
            addresses += IsAddressReservation(table, row) ? 1 : 0;
            clientIds += HasClientIdKey(table, row) ? 1 : 0;
        }

        _byMac = NewSlots(macs);
        _byAddress = NewSlots(addresses);
        _byClientId = NewSlots(clientIds);
        Fill(table);
    }

    /// <summary>The number of distinct MACs indexed.</summary>
    public int MacCount { get; private set; }

    /// <summary>The first row with this MAC, or -1.</summary>
    public int FindByMac(ulong mac)
    {
        int[] slots = _byMac;
        if (slots.Length == 0)
        {
            return -1;
        }

        int mask = slots.Length - 1;
        for (int slot = Slot(mac, slots.Length); ; slot = (slot + 1) & mask)
        {
            int row = slots[slot] - 1;
            if (row < 0 || _table.GetMacValue(row) == mac)
            {
                return row;
            }
        }
    }

    /// <summary>The first row not ignored that reserves this address, or -1.</summary>
    public int FindByAddress(uint address)
    {
        int[] slots = _byAddress;
        if (slots.Length == 0)
        {
            return -1;
        }

        int mask = slots.Length - 1;
        for (int slot = Slot(address, slots.Length); ; slot = (slot + 1) & mask)
        {
            int row = slots[slot] - 1;
            if (row < 0 || _table.GetAddressValue(row) == address)
            {
                return row;
            }
        }
    }

    /// <summary>The first row with exactly these client-id bytes, or -1 (always -1 for an empty client-id).</summary>
    public int FindByClientId(ReadOnlySpan<byte> clientId)
    {
        int[] slots = _byClientId;
        if (slots.Length == 0 || clientId.IsEmpty)
        {
            return -1;
        }

        int mask = slots.Length - 1;
        for (int slot = Slot(HashClientId(clientId), slots.Length); ; slot = (slot + 1) & mask)
        {
            int row = slots[slot] - 1;
            if (row < 0 || clientId.SequenceEqual(_table.GetClientId(row)))
            {
                return row;
            }
        }
    }

    /// <summary>Rows that reserve an address for the pool to avoid: an ignored host's address is not reserved.</summary>
    private static bool IsAddressReservation(HostTable table, int row) => table.HasAddress(row) && !table.IsIgnored(row);

    /// <summary>An empty client-id (<c>id:</c> with no bytes) matches no request: a request's option 61 has at least one byte.</summary>
    private static bool HasClientIdKey(HostTable table, int row) => table.HasClientId(row) && !table.GetClientId(row).IsEmpty;

    private static int[] NewSlots(int keys) => keys == 0 ? [] : new int[(int)BitOperations.RoundUpToPowerOf2((uint)keys * 2)];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per load, over every host: no time for tier 0
    private void Fill(HostTable table)
    {
        for (int row = 0; row < table.Count; row++)
        {
            if (table.HasMac(row))
            {
                ulong mac = table.GetMacValue(row);
                if (FindByMac(mac) < 0)
                {
                    Occupy(_byMac, Slot(mac, _byMac.Length), row);
                    MacCount++;
                }
            }

            if (IsAddressReservation(table, row))
            {
                uint address = table.GetAddressValue(row);
                if (FindByAddress(address) < 0)
                {
                    Occupy(_byAddress, Slot(address, _byAddress.Length), row);
                }
            }

            if (HasClientIdKey(table, row))
            {
                ReadOnlySpan<byte> clientId = table.GetClientId(row);
                if (FindByClientId(clientId) < 0)
                {
                    Occupy(_byClientId, Slot(HashClientId(clientId), _byClientId.Length), row);
                }
            }
        }
    }

    /// <summary>Puts <paramref name="row"/> in the first empty slot from <paramref name="slot"/> on (the key is known to be absent).</summary>
    private static void Occupy(int[] slots, int slot, int row)
    {
        int mask = slots.Length - 1;
        while (slots[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        slots[slot] = row + 1;
    }

    /// <summary>The key's home slot among <paramref name="slotCount"/> (a power of two, at least 2): the top bits of its Fibonacci product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ulong key, int slotCount) => (int)(((key & _keyMask) * Fibonacci) >> (64 - BitOperations.Log2((uint)slotCount)));

    /// <summary>FNV-1a: a stable hash of client-id bytes, so a lookup by client-id needs no allocated key.</summary>
    private static ulong HashClientId(ReadOnlySpan<byte> clientId)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in clientId)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
