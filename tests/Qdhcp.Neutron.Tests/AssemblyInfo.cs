// One test that brings up a whole Neutron control plane; nothing to parallelize.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
