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

    /// <summary>
    /// How long one request may go without progress (no answer, no request body bytes sent) before it is abandoned:
    /// a registry that accepts connections and never answers fails with KT2036 instead of hanging.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after an idle timeout (rarely transient, so fewer than for other failures).</summary>
    public int MaxIdleRetries { get; init; } = 1;

    /// <summary>The bound of a whole image push (layers, config, manifests); past it the push fails with KT2037.</summary>
    public TimeSpan PushTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Progress lines (each blob of a push, retries and why), for the build output; null prints nothing.</summary>
    public Action<string>? Progress { get; init; }

    public string UserAgent { get; init; } = "kt-oci/0.1";
}
