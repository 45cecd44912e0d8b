using System.Text.RegularExpressions;
using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// A parsed, normalised image reference <c>[registry[:port]/]repository[:tag][@sha256:…]</c>, following Docker's rules:
/// Docker Hub (<c>docker.io</c>) is the default registry, single-segment Docker Hub names get <c>library/</c>,
/// repository components are lowercase, and a reference with neither tag nor digest means <c>:latest</c>.
/// </summary>
public sealed partial record ImageReference
{
    public const string DockerHub = "docker.io";
    public const string DefaultTag = "latest";
    private const int MaxNameLength = 255;

    private ImageReference(string registry, string repository, string? tag, Digest? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>Registry as written (normalised), e.g. <c>docker.io</c>, <c>localhost:5000</c>, <c>ghcr.io</c>.</summary>
    public string Registry { get; }

    /// <summary>Repository path, e.g. <c>library/ubuntu</c>.</summary>
    public string Repository { get; }

    /// <summary>Tag, or null when the reference pins only a digest.</summary>
    public string? Tag { get; }

    public Digest? Digest { get; }

    /// <summary>The host (and port) that serves the distribution API: Docker Hub's API lives at <c>registry-1.docker.io</c>.</summary>
    public string RegistryHost => Registry == DockerHub ? "registry-1.docker.io" : Registry;

    /// <summary>Digest when pinned, else the tag: what a manifest request names.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag ?? DefaultTag;

    /// <summary>True for registries on the loopback interface, where plain HTTP is allowed.</summary>
    public bool IsInsecureLoopback => IsLoopbackRegistry(Registry);

    public ImageReference WithTag(string tag)
    {
        if (!TagPattern().IsMatch(tag))
        {
            throw Invalid(tag, $"tag '{tag}' is invalid: 1 to 128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'");
        }

        return new ImageReference(Registry, Repository, tag, null);
    }

    public ImageReference WithDigest(Digest digest) => new(Registry, Repository, Tag, digest);

    /// <summary>Canonical form: <c>registry/repository[:tag][@digest]</c>.</summary>
    public override string ToString()
    {
        var text = $"{Registry}/{Repository}";
        if (Tag is not null)
        {
            text += ":" + Tag;
        }

        if (Digest is { } digest)
        {
            text += "@" + digest;
        }

        return text;
    }

    public static bool IsLoopbackRegistry(string registry)
    {
        var host = registry;
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            host = end > 0 ? host[..(end + 1)] : host;
        }
        else
        {
            var colon = host.LastIndexOf(':');
            host = colon > 0 ? host[..colon] : host;
        }

        return host is "localhost" or "[::1]" || host.StartsWith("127.", StringComparison.Ordinal) && System.Net.IPAddress.TryParse(host, out _);
    }

    public static bool TryParse(string? text, out ImageReference? reference)
    {
        try
        {
            reference = text is null ? null : Parse(text);
            return reference is not null;
        }
        catch (KtException)
        {
            reference = null;
            return false;
        }
    }

    /// <summary>Parses and normalises a reference; a malformed one throws <see cref="KtException"/> KT2002 with the reason.</summary>
    public static ImageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || text.Trim() != text)
        {
            throw Invalid(text, "it is empty or has surrounding whitespace");
        }

        var rest = text;
        Digest? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!Kt.Core.Digest.TryParse(rest[(at + 1)..], out var parsedDigest))
            {
                throw Invalid(text, $"'{rest[(at + 1)..]}' is not a sha256 digest (sha256: and 64 lowercase hex characters)");
            }

            digest = parsedDigest;
            rest = rest[..at];
        }

        string? tag = null;
        var lastColon = rest.LastIndexOf(':');
        if (lastColon >= 0 && rest.IndexOf('/', lastColon) < 0)
        {
            tag = rest[(lastColon + 1)..];
            rest = rest[..lastColon];
            if (!TagPattern().IsMatch(tag))
            {
                throw Invalid(text, $"tag '{tag}' is invalid: 1 to 128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'");
            }
        }

        var (registry, repository) = SplitRegistry(rest);
        if (!DomainPattern().IsMatch(registry))
        {
            throw Invalid(text, $"registry '{registry}' is not a valid host[:port]");
        }

        if (repository.Length == 0)
        {
            throw Invalid(text, "the repository name is empty");
        }

        if (repository.Any(char.IsAsciiLetterUpper))
        {
            throw Invalid(text, $"repository name '{repository}' must be lowercase");
        }

        foreach (var component in repository.Split('/'))
        {
            if (!ComponentPattern().IsMatch(component))
            {
                throw Invalid(text, $"path component '{component}' must match [a-z0-9]+ separated by '.', '_', '__' or '-'");
            }
        }

        if (registry == DockerHub && !repository.Contains('/', StringComparison.Ordinal))
        {
            repository = "library/" + repository;
        }

        if (registry.Length + 1 + repository.Length > MaxNameLength)
        {
            throw Invalid(text, $"the name is longer than {MaxNameLength} characters");
        }

        return new ImageReference(registry, repository, tag ?? (digest is null ? DefaultTag : null), digest);
    }

    private static (string Registry, string Repository) SplitRegistry(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (DockerHub, name);
        }

        var first = name[..slash];
        var looksLikeHost = first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal)
            || first == "localhost" || first.Any(char.IsAsciiLetterUpper);
        if (!looksLikeHost)
        {
            return (DockerHub, name);
        }

        var registry = first is "index.docker.io" or "registry-1.docker.io" ? DockerHub : first;
        return (registry, name[(slash + 1)..]);
    }

    private static KtException Invalid(string text, string reason) => new(OciErrors.BadReference, $"Invalid image reference '{text}': {reason}.");

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")]
    private static partial Regex ComponentPattern();

    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$")]
    private static partial Regex DomainPattern();
}
