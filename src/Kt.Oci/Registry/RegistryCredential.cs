namespace Kt.Oci;

/// <summary>A user name and password (or token) for one registry.</summary>
public sealed record RegistryCredential(string Username, string Password)
{
    public override string ToString() => $"{Username}:***";
}

/// <summary>Looks up credentials for a registry host (as written in an <see cref="ImageReference"/>).</summary>
public interface ICredentialProvider
{
    RegistryCredential? GetCredential(string registry);
}
