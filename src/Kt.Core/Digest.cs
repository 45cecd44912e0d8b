using System.Security.Cryptography;

namespace Kt.Core;

/// <summary>A content digest in OCI form, <c>sha256:&lt;64 lowercase hex&gt;</c>. Immutable and compared by value.</summary>
public readonly record struct Digest
{
    public const string Sha256Algorithm = "sha256";

    private Digest(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    public string Algorithm { get; }

    /// <summary>The encoded part, lowercase hexadecimal.</summary>
    public string Hex { get; }

    public override string ToString() => $"{Algorithm}:{Hex}";

    public static Digest FromSha256Hex(string hex)
    {
        if (!IsLowerHex(hex, 64))
        {
            throw new KtException("KT2001", $"'{hex}' is not a sha256 digest (64 lowercase hex characters expected).");
        }

        return new Digest(Sha256Algorithm, hex);
    }

    public static Digest Parse(string value)
    {
        if (!TryParse(value, out var digest))
        {
            throw new KtException("KT2001", $"'{value}' is not a valid digest; expected 'sha256:' followed by 64 lowercase hex characters.");
        }

        return digest;
    }

    public static bool TryParse(string? value, out Digest digest)
    {
        digest = default;
        if (value is null)
        {
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || value[..colon] != Sha256Algorithm || !IsLowerHex(value[(colon + 1)..], 64))
        {
            return false;
        }

        digest = new Digest(Sha256Algorithm, value[(colon + 1)..]);
        return true;
    }

    public static Digest Compute(ReadOnlySpan<byte> bytes) => new(Sha256Algorithm, Convert.ToHexStringLower(SHA256.HashData(bytes)));

    public static async Task<Digest> ComputeAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return new Digest(Sha256Algorithm, Convert.ToHexStringLower(hash));
    }

    public static async Task<Digest> ComputeFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = File.OpenRead(path);
        return await ComputeAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsLowerHex(string value, int length)
    {
        if (value.Length != length)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}
