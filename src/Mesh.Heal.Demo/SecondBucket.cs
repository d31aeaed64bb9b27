namespace Mesh.Heal.Demo;

/// <summary>What happened to the requests sent during one second of the demo.</summary>
internal sealed class SecondBucket
{
    public long Ok;
    public long Fallback;
    public long Failed;
    public long DirectOk;
    public long DirectFailed;
}
