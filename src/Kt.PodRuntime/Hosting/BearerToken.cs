using System.Security.Cryptography;
using System.Text;

namespace Kt.PodRuntime.Hosting;

/// <summary>Checks <c>Authorization: Bearer &lt;token&gt;</c> in constant time (over hashes, so the length does not leak either).</summary>
public sealed class BearerToken
{
    private readonly byte[] _expectedHash;

    // Header strings already found to match, by identity: Kestrel hands a keep-alive connection the same string for
    // a header whose bytes repeat, so a caller's later calls skip the hash (a SHA-256 through OpenSSL per call). The
    // table holds no string alive, and identity says nothing about the token's content.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, object> _accepted = new();

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

        if (_accepted.TryGetValue(authorizationHeader, out _))
        {
            return true;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorizationHeader[Scheme.Length..].Trim()));
        if (!CryptographicOperations.FixedTimeEquals(presented, _expectedHash))
        {
            return false;
        }

        _accepted.TryAdd(authorizationHeader, _expectedHash);
        return true;
    }
}
