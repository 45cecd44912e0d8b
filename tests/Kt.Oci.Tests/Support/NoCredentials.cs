namespace Kt.Oci.Tests;

/// <summary>Keeps tests independent of the machine's ~/.docker/config.json.</summary>
public sealed class NoCredentials : ICredentialProvider
{
    public static NoCredentials Instance { get; } = new();

    public RegistryCredential? GetCredential(string registry) => null;
}
