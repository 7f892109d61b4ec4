using System.Runtime.CompilerServices;
using System.Collections;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>
/// The lines of one or more <c>--addn-hosts</c> files without an object per line: each entry is a position in its
/// file's text (kept whole, as read), with an IPv4 address already parsed. The DNS zone reads names as spans of that
/// text (<see cref="GetNames"/>); the zone build is its only reader, so the texts go when the load result does.
/// Validates and reports exactly as <see cref="AddnHostsFile.Parse"/>.
/// </summary>
/// <remarks>65,535 Neutron lines: ~1.3 MB of entries instead of ~35 MB of strings, arrays and records allocated.</remarks>
public sealed class AddnHostsTable : IReadOnlyList<HostsFileEntry>
{
    private const string Blanks = " \t\r\v\f";
    private readonly List<string> _texts = [];
    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    /// <summary>An entry as a record (allocates: for tests and tools).</summary>
    public HostsFileEntry this[int index]
    {
        get
        {
            List<string> names = [];
            ReadOnlySpan<char> text = GetNames(index);
            foreach (Range range in text.SplitAny(Blanks))
            {
                if (!text[range].IsEmpty)
                {
                    names.Add(text[range].ToString());
                }
            }

            return new HostsFileEntry(GetAddressText(index).ToString(), names);
        }
    }

    /// <summary>The entry's address when it is IPv4.</summary>
    public bool TryGetIPv4(int index, out IPv4Address address)
    {
        Entry entry = _entries[index];
        address = new IPv4Address(entry.IPv4);
        return entry.IsIPv4;
    }

    /// <summary>The address as written.</summary>
    public ReadOnlySpan<char> GetAddressText(int index)
    {
        Entry entry = _entries[index];
        return _texts[entry.Text].AsSpan(entry.AddressStart, entry.AddressLength);
    }

    /// <summary>The names, separated by blanks (split on <c>" \t\r\v\f"</c>, skipping empty parts); the first is the canonical one.</summary>
    public ReadOnlySpan<char> GetNames(int index)
    {
        Entry entry = _entries[index];
        return _texts[entry.Text].AsSpan(entry.NamesStart, entry.NamesLength);
    }

    /// <summary>Adds a file's lines; bad lines become <see cref="ConfigSeverity.Error"/> diagnostics, as <see cref="AddnHostsFile.Parse"/> reports them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
    public void AddFile(string text, string file, List<ConfigDiagnostic> diagnostics)
    {
        int textIndex = _texts.Count;
        _texts.Add(text);
        int lineStart = 0;
        for (int number = 1; ; number++)
        {
            int newline = text.IndexOf('\n', lineStart);
            int lineEnd = newline >= 0 ? newline : text.Length;
            AddLine(text, textIndex, lineStart, lineEnd, file, number, diagnostics);
            if (newline < 0)
            {
                break;
            }

            lineStart = newline + 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
    private void AddLine(string text, int textIndex, int start, int end, string file, int number, List<ConfigDiagnostic> diagnostics)
    {
        ReadOnlySpan<char> line = text.AsSpan(start, end - start);
        int hash = line.IndexOf('#');
        if (hash >= 0)
        {
            line = line[..hash];
        }

        int skipped = line.Length - line.TrimStart(Blanks).Length;
        line = line[skipped..];
        int addressLength = line.IndexOfAny(Blanks);
        if (addressLength < 0)
        {
            addressLength = line.Length;
        }

        if (addressLength == 0)
        {
            return;
        }

        ReadOnlySpan<char> address = line[..addressLength];
        bool isIPv4 = IPv4Address.TryParse(address, out IPv4Address v4);
        if (!isIPv4 && !AddnHostsFile.IsIPv6(address))
        {
            diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, number, $"'{address}' is not an IPv4 or IPv6 address; line skipped"));
            return;
        }

        ReadOnlySpan<char> names = line[addressLength..];
        bool any = false;
        foreach (Range range in names.SplitAny(Blanks))
        {
            ReadOnlySpan<char> name = names[range];
            if (name.IsEmpty)
            {
                continue;
            }

            any = true;
            if (!DnsmasqText.IsLegalHostName(name))
            {
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, number, $"'{name}' is not a valid host name; line skipped"));
                return;
            }
        }

        if (!any)
        {
            diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, number, $"{address} has no name after it; line skipped"));
            return;
        }

        int addressStart = start + skipped;
        _entries.Add(new Entry(textIndex, addressStart, addressLength, addressStart + addressLength, names.Length, isIPv4, v4.Value));
    }

    public IEnumerator<HostsFileEntry> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private readonly record struct Entry(int Text, int AddressStart, int AddressLength, int NamesStart, int NamesLength, bool IsIPv4, uint IPv4);
}
