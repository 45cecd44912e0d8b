namespace Kt.Oci;

/// <summary>
/// What an assembled image runs with, applied over the base image's config. Null means "inherit from the base".
/// Environment and labels are merged by key (base order kept, new keys appended in the order given); setting
/// <see cref="Entrypoint"/> without <see cref="Cmd"/> clears the base Cmd, as a Dockerfile ENTRYPOINT does.
/// </summary>
public sealed record ImageSettings
{
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    public string? WorkingDirectory { get; init; }

    public string? User { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Ports such as <c>8080/tcp</c>.</summary>
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];

    /// <summary>Image creation time; null = <see cref="ReproducibleTime.Resolve"/> (SOURCE_DATE_EPOCH or the fixed default).</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary><c>org.opencontainers.image.source</c>, e.g. a repository URL.</summary>
    public string? Source { get; init; }

    /// <summary><c>org.opencontainers.image.revision</c>, e.g. a commit id.</summary>
    public string? Revision { get; init; }

    /// <summary><c>org.opencontainers.image.title</c>.</summary>
    public string? Title { get; init; }

    /// <summary>Base image name for <c>org.opencontainers.image.base.name</c>.</summary>
    public string? BaseName { get; init; }

    /// <summary>Further manifest annotations.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}
