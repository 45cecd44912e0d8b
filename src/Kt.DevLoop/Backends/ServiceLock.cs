namespace Kt.DevLoop.Backends;

/// <summary>
/// An exclusive lock on a service's folder (<c>.lock</c>, held open without sharing), so that two deploys of the same
/// service on this machine do not start pods twice. The operating system releases it if the holder dies.
/// </summary>
internal sealed class ServiceLock : IDisposable
{
    private readonly FileStream _stream;

    private ServiceLock(FileStream stream) => _stream = stream;

    public static async Task<ServiceLock> AcquireAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, ".lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            try
            {
                return new ServiceLock(new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
