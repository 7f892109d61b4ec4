using System.Runtime.CompilerServices;
using System.Collections;
using System.Text;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Model;

/// <summary>
/// A network's static hosts in a compact form: one row per <see cref="Reservation"/>, held in parallel arrays (MAC as
/// a <see cref="ulong"/>, address as a <see cref="uint"/>, lease seconds, a tag-set id) with every host name in one
/// byte blob and every client-id in another. 65,535 Neutron hosts take ~3 MB here, against ~40 MB as
/// <see cref="Reservation"/> records with their strings and lists; the DHCP snapshot and the DNS zone both read it,
/// and the hosts-file loader parses straight into it (<see cref="Builder"/>).
/// </summary>
/// <remarks>
/// It is also an <see cref="IReadOnlyList{T}"/> of <see cref="Reservation"/>, so a <see cref="Dhcp4Configuration"/> can
/// carry it as its reservations: the indexer builds a record on each call (for tests, tools and the agent's code
/// paths, not for the packet path). Host names are kept as UTF-8; the packet path reads them as bytes.
/// </remarks>
public sealed class HostTable : IReadOnlyList<Reservation>
{
    private const byte HasMacFlag = 1;
    private const byte HasAddressFlag = 2;
    private const byte HasLeaseFlag = 4;
    private const byte HasNameFlag = 8;
    private const byte HasClientIdFlag = 16;
    private const byte IgnoreFlag = 32;
    private const byte AsciiNameFlag = 64;

    private readonly ulong[] _macs;
    private readonly uint[] _addresses;
    private readonly uint[] _leaseSeconds;
    private readonly int[] _tagSets;
    private readonly byte[] _flags;
    private readonly int[] _nameStarts;
    private readonly byte[] _names;
    private readonly int[] _clientIdStarts;
    private readonly byte[] _clientIds;
    private readonly string[][] _tagSetValues;

    private HostTable(int count, ulong[] macs, uint[] addresses, uint[] leaseSeconds, int[] tagSets, byte[] flags, int[] nameStarts, byte[] names, int[] clientIdStarts, byte[] clientIds, string[][] tagSetValues)
    {
        Count = count;
        _macs = macs;
        _addresses = addresses;
        _leaseSeconds = leaseSeconds;
        _tagSets = tagSets;
        _flags = flags;
        _nameStarts = nameStarts;
        _names = names;
        _clientIdStarts = clientIdStarts;
        _clientIds = clientIds;
        _tagSetValues = tagSetValues;
    }

    /// <summary>A table without hosts.</summary>
    public static HostTable Empty { get; } = new Builder(0).Build();

    /// <summary>The number of rows (one per reservation: a hosts-file line with two MACs gives two).</summary>
    public int Count { get; }

    /// <summary>How many distinct tag sets the rows use (id 0 is the empty set).</summary>
    public int TagSetCount => _tagSetValues.Length;

    public Reservation this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return new Reservation(
                GetMac(index),
                HasClientId(index) ? GetClientId(index).ToArray() : null,
                GetHostName(index),
                GetAddress(index),
                GetLeaseSeconds(index),
                GetTagSet(index),
                IsIgnored(index));
        }
    }

    public MacAddress? GetMac(int row) => (_flags[row] & HasMacFlag) != 0 ? new MacAddress(_macs[row]) : null;

    public IPv4Address? GetAddress(int row) => (_flags[row] & HasAddressFlag) != 0 ? new IPv4Address(_addresses[row]) : null;

    public uint? GetLeaseSeconds(int row) => (_flags[row] & HasLeaseFlag) != 0 ? _leaseSeconds[row] : null;

    public bool IsIgnored(int row) => (_flags[row] & IgnoreFlag) != 0;

    internal bool HasMac(int row) => (_flags[row] & HasMacFlag) != 0;

    internal bool HasAddress(int row) => (_flags[row] & HasAddressFlag) != 0;

    /// <summary>The row's MAC as stored, without a nullable to unwrap (the lookup key; meaningless unless <see cref="HasMac"/>).</summary>
    internal ulong GetMacValue(int row) => _macs[row];

    /// <summary>The row's address as stored (meaningless unless <see cref="HasAddress"/>).</summary>
    internal uint GetAddressValue(int row) => _addresses[row];

    public bool HasHostName(int row) => (_flags[row] & HasNameFlag) != 0;

    public bool HasClientId(int row) => (_flags[row] & HasClientIdFlag) != 0;

    /// <summary>The host name's UTF-8 bytes (empty when there is none).</summary>
    public ReadOnlySpan<byte> GetHostNameUtf8(int row) => _names.AsSpan(_nameStarts[row], _nameStarts[row + 1] - _nameStarts[row]);

    /// <summary>True when the host name is plain ASCII, so its bytes are what option 12 carries.</summary>
    public bool IsHostNameAscii(int row) => (_flags[row] & AsciiNameFlag) != 0;

    /// <summary>The host name as a new string, or null. Allocates: not for the packet path.</summary>
    public string? GetHostName(int row) => HasHostName(row) ? Encoding.UTF8.GetString(GetHostNameUtf8(row)) : null;

    /// <summary>The client-id bytes to match (empty when there is none).</summary>
    public ReadOnlySpan<byte> GetClientId(int row) => _clientIds.AsSpan(_clientIdStarts[row], _clientIdStarts[row + 1] - _clientIdStarts[row]);

    /// <summary>The row's tag-set id: rows with equal tags share one id (0: no tags).</summary>
    public int GetTagSetId(int row) => _tagSets[row];

    /// <summary>The tags the row sets (shared between the rows of one tag set; do not modify).</summary>
    public IReadOnlyList<string> GetTagSet(int row) => _tagSetValues[_tagSets[row]];

    /// <summary>The tags of a tag-set id.</summary>
    public IReadOnlyList<string> GetTagSetById(int tagSetId) => _tagSetValues[tagSetId];

    /// <summary>A table of the given reservations, in their order.</summary>
    public static HostTable From(IReadOnlyList<Reservation> reservations)
    {
        if (reservations is HostTable table)
        {
            return table;
        }

        var builder = new Builder(reservations.Count);
        for (int i = 0; i < reservations.Count; i++)
        {
            builder.Add(reservations[i]);
        }

        return builder.Build();
    }

    public IEnumerator<Reservation> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Appends rows, then <see cref="Build"/>s the table. Host names and tags come as spans, so a parser can add a
    /// line without making strings for it; equal tag sets are stored once.
    /// </summary>
    public sealed class Builder
    {
        private readonly Dictionary<string, int> _tagSetIds = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _tagSetIdsBySpan;
        private readonly List<string[]> _tagSetValues = [[]];
        private ulong[] _macs;
        private uint[] _addresses;
        private uint[] _leaseSeconds;
        private int[] _tagSets;
        private byte[] _flags;
        private int[] _nameStarts;
        private byte[] _names;
        private int _namesLength;
        private int[] _clientIdStarts;
        private byte[] _clientIds = [];
        private int _clientIdsLength;

        public Builder(int capacity)
        {
            capacity = Math.Max(capacity, 4);
            _macs = new ulong[capacity];
            _addresses = new uint[capacity];
            _leaseSeconds = new uint[capacity];
            _tagSets = new int[capacity];
            _flags = new byte[capacity];
            _nameStarts = new int[capacity + 1];
            _clientIdStarts = new int[capacity + 1];
            _names = new byte[capacity * 16];
            _tagSetIdsBySpan = _tagSetIds.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        /// <summary>The rows added so far.</summary>
        public int Count { get; private set; }

        /// <summary>Appends a reservation.</summary>
        public void Add(Reservation reservation)
        {
            int tagSet = TagSetId(reservation.SetTags);
            Add(reservation.Mac, reservation.ClientId, reservation.HostName, reservation.Address, reservation.LeaseSeconds, tagSet, reservation.Ignore);
        }

        /// <summary>Appends a row; <paramref name="tagSetId"/> comes from <see cref="TagSetId(IReadOnlyList{string})"/> or <see cref="TagSetId(ReadOnlySpan{char})"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
        public void Add(MacAddress? mac, ReadOnlySpan<byte> clientId, bool hasClientId, ReadOnlySpan<char> hostName, bool hasHostName, IPv4Address? address, uint? leaseSeconds, int tagSetId, bool ignore)
        {
            int row = Count;
            if (row == _macs.Length)
            {
                Grow();
            }

            byte flags = 0;
            if (mac is { } m)
            {
                flags |= HasMacFlag;
                _macs[row] = m.Value;
            }

            if (address is { } a)
            {
                flags |= HasAddressFlag;
                _addresses[row] = a.Value;
            }

            if (leaseSeconds is { } lease)
            {
                flags |= HasLeaseFlag;
                _leaseSeconds[row] = lease;
            }

            if (ignore)
            {
                flags |= IgnoreFlag;
            }

            if (hasHostName)
            {
                flags |= HasNameFlag;
                if (!hostName.ContainsAnyExceptInRange((char)0, (char)127))
                {
                    flags |= AsciiNameFlag;
                }

                int length = Encoding.UTF8.GetByteCount(hostName);
                EnsureCapacity(ref _names, _namesLength + length);
                _namesLength += Encoding.UTF8.GetBytes(hostName, _names.AsSpan(_namesLength));
            }

            if (hasClientId)
            {
                flags |= HasClientIdFlag;
                EnsureCapacity(ref _clientIds, _clientIdsLength + clientId.Length);
                clientId.CopyTo(_clientIds.AsSpan(_clientIdsLength));
                _clientIdsLength += clientId.Length;
            }

            _tagSets[row] = tagSetId;
            _flags[row] = flags;
            _nameStarts[row + 1] = _namesLength;
            _clientIdStarts[row + 1] = _clientIdsLength;
            Count = row + 1;
        }

        private void Add(MacAddress? mac, byte[]? clientId, string? hostName, IPv4Address? address, uint? leaseSeconds, int tagSetId, bool ignore) =>
            Add(mac, clientId, clientId is not null, hostName, hostName is not null, address, leaseSeconds, tagSetId, ignore);

        /// <summary>The id of a set of tags (in their order), adding it when new.</summary>
        public int TagSetId(IReadOnlyList<string> tags)
        {
            if (tags.Count == 0)
            {
                return 0;
            }

            string key = string.Join('\n', tags);
            if (!_tagSetIds.TryGetValue(key, out int id))
            {
                id = _tagSetValues.Count;
                _tagSetValues.Add([.. tags]);
                _tagSetIds.Add(key, id);
            }

            return id;
        }

        /// <summary>The id of a set of one tag, adding it when new; allocates only for a tag not seen before.</summary>
        public int TagSetId(ReadOnlySpan<char> tag)
        {
            if (!_tagSetIdsBySpan.TryGetValue(tag, out int id))
            {
                string text = tag.ToString();
                id = _tagSetValues.Count;
                _tagSetValues.Add([text]);
                _tagSetIds.Add(text, id);
            }

            return id;
        }

        /// <summary>Removes the rows from <paramref name="row"/> on (a line found to conflict after it was added).</summary>
        public void TruncateTo(int row)
        {
            Count = row;
            _namesLength = _nameStarts[row];
            _clientIdsLength = _clientIdStarts[row];
        }

        /// <summary>The rows as a table, trimmed to size.</summary>
        public HostTable Build()
        {
            int n = Count;
            return new HostTable(
                n,
                _macs[..n],
                _addresses[..n],
                _leaseSeconds[..n],
                _tagSets[..n],
                _flags[..n],
                _nameStarts[..(n + 1)],
                _names[.._namesLength],
                _clientIdStarts[..(n + 1)],
                _clientIds[.._clientIdsLength],
                [.. _tagSetValues]);
        }

        /// <summary>The MAC of a row added so far, or null.</summary>
        public MacAddress? GetMac(int row) => (_flags[row] & HasMacFlag) != 0 ? new MacAddress(_macs[row]) : null;

        /// <summary>The address of a row added so far, or null.</summary>
        public IPv4Address? GetAddress(int row) => (_flags[row] & HasAddressFlag) != 0 ? new IPv4Address(_addresses[row]) : null;

        /// <summary>The client-id of a row added so far (empty when none).</summary>
        public ReadOnlySpan<byte> GetClientId(int row) => (_flags[row] & HasClientIdFlag) != 0 ? _clientIds.AsSpan(_clientIdStarts[row], _clientIdStarts[row + 1] - _clientIdStarts[row]) : default;

        /// <summary>The host name of a row added so far, or null (allocates; for messages).</summary>
        public string? GetHostName(int row) => (_flags[row] & HasNameFlag) != 0 ? Encoding.UTF8.GetString(_names.AsSpan(_nameStarts[row], _nameStarts[row + 1] - _nameStarts[row])) : null;

        /// <summary>True when the row added so far has a client-id.</summary>
        public bool HasClientId(int row) => (_flags[row] & HasClientIdFlag) != 0;

        private void Grow()
        {
            int size = _macs.Length * 2;
            Array.Resize(ref _macs, size);
            Array.Resize(ref _addresses, size);
            Array.Resize(ref _leaseSeconds, size);
            Array.Resize(ref _tagSets, size);
            Array.Resize(ref _flags, size);
            Array.Resize(ref _nameStarts, size + 1);
            Array.Resize(ref _clientIdStarts, size + 1);
        }

        private static void EnsureCapacity(ref byte[] buffer, int needed)
        {
            if (needed > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
            }
        }
    }
}
