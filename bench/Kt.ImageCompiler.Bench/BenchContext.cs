using Kt.Oci;

namespace Kt.ImageCompiler.Bench;

/// <summary>
/// What the benchmarks of one run share: a temp folder, the registry client, a run nonce that makes every code change
/// new to every cache (Docker's included), and the Docker tags to remove at the end.
/// </summary>
internal sealed class BenchContext : IDisposable
{
    public const string Registry = "127.0.0.1:5000";
    public const string RegistryBase = Registry + "/kt-test/debian:bookworm";
    public const string EngineBase = "kt-test/debian:bookworm";

    private readonly List<string> _dockerTags = [];
    private int _changes;

    public BenchContext()
    {
        Nonce = Guid.NewGuid().ToString("N")[..10];
        TempRoot = Path.Combine(Path.GetTempPath(), "kt-image-bench-" + Nonce);
        Directory.CreateDirectory(TempRoot);
    }

    public string Nonce { get; }

    public string TempRoot { get; }

    /// <summary>Long-lived: base layers are read lazily through it when an image is written.</summary>
    public RegistryClient RegistryClient { get; } = new();

    public string Folder(string name) => Path.Combine(TempRoot, name);

    /// <summary>A marker no earlier build (of this run or any other) has seen.</summary>
    public string NextMarker() => $"{Nonce}-{Interlocked.Increment(ref _changes)}";

    public string NewDockerTag(string purpose)
    {
        var tag = $"kt-bench/{purpose}:{Nonce}-{_dockerTags.Count}";
        _dockerTags.Add(tag);
        return tag;
    }

    /// <summary>Removes the images this run built (their untagged parents go with them) and the temp folder.</summary>
    public async Task CleanUpAsync()
    {
        if (_dockerTags.Count > 0)
        {
            // Tags whose build failed do not exist; rmi reports them and removes the rest.
            await CommandLine.RunAsync("docker", ["rmi", .. _dockerTags], timeout: TimeSpan.FromMinutes(1)).ConfigureAwait(false);
            _dockerTags.Clear();
        }

        try
        {
            Directory.Delete(TempRoot, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"[bench] could not delete {TempRoot}: {e.Message}");
        }
    }

    public void Dispose() => RegistryClient.Dispose();
}
