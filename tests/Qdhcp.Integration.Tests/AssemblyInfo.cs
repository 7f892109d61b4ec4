// Every test builds its own namespaces and starts real servers and clients; running them one at a time keeps
// timings honest and failures readable. Names are unique anyway, so parallel runs of separate processes are safe.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Network namespaces, AF_PACKET and the DHCP clients are Linux-only; elsewhere every test skips.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
