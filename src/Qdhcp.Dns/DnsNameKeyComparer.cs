using System.Runtime.InteropServices;

namespace Qdhcp.Dns;

/// <summary>
/// Keys a frozen dictionary by lower-cased wire-form names (<c>byte[]</c>) and lets it be probed with a
/// <see cref="ReadOnlySpan{T}"/> of the query's name, so a lookup allocates nothing. The hash is
/// <see cref="HashCode"/>'s, randomised per process, so tenants cannot aim collisions at the table.
/// </summary>
internal sealed class DnsNameKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static DnsNameKeyComparer Instance { get; } = new();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        HashCode hash = default;
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
