namespace Kt.Oci;

/// <summary>Settings of a <see cref="RegistryClient"/>.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Where credentials come from; default the Docker config file.</summary>
    public ICredentialProvider? Credentials { get; init; }

    /// <summary>Retries after a transient failure (5xx, 429, connection error) before giving up.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>First retry delay; doubled on each retry (with a little jitter).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How many layers are uploaded or downloaded at the same time.</summary>
    public int MaxParallelTransfers { get; init; } = 4;

    /// <summary>Chunk size for the PATCH fallback, used only when a registry refuses a monolithic upload.</summary>
    public int ChunkSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Per-request timeout (a whole blob transfer counts as one request).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public string UserAgent { get; init; } = "kt-oci/0.1";
}
