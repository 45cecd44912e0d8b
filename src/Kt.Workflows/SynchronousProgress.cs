namespace Kt.Workflows;

/// <summary>
/// Reports on the caller's thread. <see cref="Progress{T}"/> posts to the thread pool, so its lines could reach the
/// MSBuild logger after the task has returned, which MSBuild rejects.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
