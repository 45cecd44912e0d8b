using System.Security.Cryptography;
using System.Text;
using Kt.Core;

namespace Kt.ImageCompiler.Keys;

/// <summary>
/// A step's chain key: 64 lowercase hex of sha256 over the previous key, the step's kind, its canonical arguments and
/// the content of the files it places. The same string appears in Dockerfile comments, OCI history, pod journals and
/// progress lines. It never contains an absolute local path or a timestamp.
/// </summary>
public readonly record struct StepKey
{
    private StepKey(string hex) => Hex = hex;

    public string Hex { get; }

    /// <summary>The key "before the first step", chained from the base image reference.</summary>
    public static StepKey Root(string baseReference) => Chain(null, "base", [baseReference], []);

    public static StepKey Parse(string hex)
    {
        if (hex is not { Length: 64 } || !hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw new KtException(ImageErrors.MissingArgument, $"'{hex}' is not a step key (64 lowercase hex characters).");
        }

        return new StepKey(hex);
    }

    /// <summary>The next key in the chain. Fields are length-prefixed so that no two different inputs hash alike.</summary>
    public static StepKey Chain(StepKey? previous, string kind, IReadOnlyList<string> arguments, IReadOnlyList<FileFingerprint> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Field(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }

        Field("kt-step/v1");
        Field(previous?.Hex ?? "");
        Field(kind);
        Field(arguments.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var argument in arguments)
        {
            Field(argument);
        }

        Field(files.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            Field(file.Path);
            Field(Convert.ToString(file.Mode, 8));
            Field(file.Sha256);
        }

        return new StepKey(Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The first 12 characters, for display.</summary>
    public string Short => Hex[..12];

    public override string ToString() => Hex;
}

/// <summary>What of a placed file goes into a key: its path in the image, its mode, its content hash.</summary>
public readonly record struct FileFingerprint(string Path, int Mode, string Sha256);
