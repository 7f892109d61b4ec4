namespace Qdhcp.Transport;

/// <summary>The poll loop the DHCP and DNS socket servers share: look at the interfaces again every interval.</summary>
internal static class InterfacePolling
{
    /// <summary>Calls <paramref name="refresh"/> every <paramref name="interval"/> until either token is cancelled.</summary>
    public static async Task RunAsync(Action refresh, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken, CancellationToken stopping)
    {
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        using PeriodicTimer timer = new(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(linked.Token).ConfigureAwait(false))
            {
                refresh();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
