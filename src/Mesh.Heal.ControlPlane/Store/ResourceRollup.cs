namespace Mesh.Heal.ControlPlane.Store;

/// <summary>The peak resource use of one process over one time bucket; <c>Target</c> is <c>sidecar</c>, or <c>service</c> for the process it fronts.</summary>
internal sealed record ResourceRollup(
    string Service,
    string Instance,
    string Target,
    TimeSpan Resolution,
    DateTimeOffset Bucket,
    long Samples,
    long WorkingSetMax,
    long GcHeapMax,
    long ThreadsMax,
    long HandlesMax,
    long ConnectionsMax,
    long MemoryLimit,
    long MaxHandles);
