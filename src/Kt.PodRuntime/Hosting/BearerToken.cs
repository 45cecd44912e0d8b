using System.Security.Cryptography;
using System.Text;

namespace Kt.PodRuntime.Hosting;

/// <summary>Checks <c>Authorization: Bearer &lt;token&gt;</c> in constant time (over hashes, so the length does not leak either).</summary>
public sealed class BearerToken
{
    private readonly byte[] _expectedHash;

    public BearerToken(string token)
    {
        _expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    public bool Matches(string? authorizationHeader)
    {
        const string Scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorizationHeader[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _expectedHash);
    }
}
