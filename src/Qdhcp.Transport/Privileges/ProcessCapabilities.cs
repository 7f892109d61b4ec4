using System.Globalization;

namespace Qdhcp.Transport.Privileges;

/// <summary>
/// A process's capability sets as /proc/PID/status shows them (<c>CapInh</c>, <c>CapPrm</c>, <c>CapEff</c>,
/// <c>CapBnd</c>, <c>CapAmb</c>: 64-bit masks in hex, bit n = capability n; proc(5)).
/// </summary>
public readonly record struct ProcessCapabilities(ulong Inheritable, ulong Permitted, ulong Effective, ulong Bounding, ulong Ambient)
{
    /// <summary>Whether the kernel would let this thread use <paramref name="capability"/> now.</summary>
    public bool HasEffective(LinuxCapability capability) => (Effective & Bit(capability)) != 0;

    /// <summary>Whether programs this process execs (as a non-root user) keep <paramref name="capability"/> (capabilities(7), "ambient").</summary>
    public bool HasAmbient(LinuxCapability capability) => (Ambient & Bit(capability)) != 0;

    private static ulong Bit(LinuxCapability capability) => 1UL << (int)capability;

    /// <summary>
    /// Reads the five <c>Cap*</c> lines of a /proc/PID/status text. False, with the reason, when one is missing or
    /// not a hex mask (a kernel without capabilities, or not Linux).
    /// </summary>
    public static bool TryParse(string statusText, out ProcessCapabilities capabilities, out string? error)
    {
        capabilities = default;
        error = null;
        ulong? inheritable = null, permitted = null, effective = null, bounding = null, ambient = null;
        foreach (string line in statusText.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0 || !line.StartsWith("Cap", StringComparison.Ordinal))
            {
                continue;
            }

            string name = line[..colon];
            string value = line[(colon + 1)..].Trim();
            if (!ulong.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong mask) || value.Length == 0)
            {
                error = $"{name}: '{value}' is not a hexadecimal capability mask";
                return false;
            }

            switch (name)
            {
                case "CapInh": inheritable = mask; break;
                case "CapPrm": permitted = mask; break;
                case "CapEff": effective = mask; break;
                case "CapBnd": bounding = mask; break;
                case "CapAmb": ambient = mask; break;
            }
        }

        // CapAmb exists since Linux 4.3; older kernels have no ambient set, which reads as empty.
        if (inheritable is null || permitted is null || effective is null || bounding is null)
        {
            error = "no CapInh/CapPrm/CapEff/CapBnd lines (is /proc mounted, is this Linux?)";
            return false;
        }

        capabilities = new ProcessCapabilities(inheritable.Value, permitted.Value, effective.Value, bounding.Value, ambient ?? 0);
        return true;
    }
}
