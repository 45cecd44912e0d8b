using System.Text;
using System.Text.Json;

namespace Kt.Oci;

/// <summary>
/// Credentials from the Docker CLI config file: <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>,
/// <c>auths.&lt;registry&gt;.auth</c> (base64 <c>user:password</c>) or <c>username</c>/<c>password</c>.
/// Credential helpers (<c>credsStore</c>, <c>credHelpers</c>) and <c>identitytoken</c> are not supported: such
/// registries are accessed anonymously, and an authentication error says so.
/// </summary>
public sealed class DockerConfigCredentials : ICredentialProvider
{
    private readonly Dictionary<string, RegistryCredential> credentials = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> helperRegistries = new(StringComparer.OrdinalIgnoreCase);

    public DockerConfigCredentials(string? configPath = null)
    {
        ConfigPath = configPath ?? DefaultPath();
        if (File.Exists(ConfigPath))
        {
            Load(File.ReadAllBytes(ConfigPath));
        }
    }

    public string ConfigPath { get; }

    /// <summary>True when the config names a credential helper (unsupported by Kt) — used to explain auth errors.</summary>
    public bool UsesCredentialHelper { get; private set; }

    public static string DefaultPath()
    {
        var folder = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        return string.IsNullOrEmpty(folder)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker", "config.json")
            : Path.Combine(folder, "config.json");
    }

    public RegistryCredential? GetCredential(string registry) => credentials.GetValueOrDefault(NormalizeKey(registry));

    public bool HasHelperFor(string registry) => UsesCredentialHelper || helperRegistries.Contains(NormalizeKey(registry));

    private void Load(byte[] json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var root = document.RootElement;
        if (root.TryGetProperty("credsStore", out var store) && store.ValueKind == JsonValueKind.String && store.GetString()!.Length > 0)
        {
            UsesCredentialHelper = true;
        }

        if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
        {
            foreach (var helper in helpers.EnumerateObject())
            {
                helperRegistries.Add(NormalizeKey(helper.Name));
            }
        }

        if (!root.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var entry in auths.EnumerateObject())
        {
            if (Parse(entry.Value) is { } credential)
            {
                credentials[NormalizeKey(entry.Name)] = credential;
            }
        }
    }

    private static RegistryCredential? Parse(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (value.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String && auth.GetString() is { Length: > 0 } encoded)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    return new RegistryCredential(decoded[..colon], decoded[(colon + 1)..]);
                }
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return value.TryGetProperty("username", out var user) && value.TryGetProperty("password", out var password)
            && user.GetString() is { Length: > 0 } name
            ? new RegistryCredential(name, password.GetString() ?? string.Empty)
            : null;
    }

    /// <summary>Config keys may be URLs (<c>https://index.docker.io/v1/</c>); compare by host[:port].</summary>
    internal static string NormalizeKey(string key)
    {
        var host = key;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            host = host[..slash];
        }

        return host.ToLowerInvariant() switch
        {
            "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" => ImageReference.DockerHub,
            var other => other,
        };
    }
}
