namespace Kt.PodRuntime.Hosting;

/// <summary>A request body read whole, holding its bytes in the pod's <see cref="BodyBudget"/> until disposed.</summary>
internal readonly struct RequestBody(ReadOnlyMemory<byte> memory, BodyBudget.Lease lease) : IDisposable
{
    public ReadOnlyMemory<byte> Memory => memory;

    public int Length => memory.Length;

    public void Dispose() => lease.Dispose();
}
