using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kt.ImageCompiler.Model;

namespace Kt.MSBuild;

/// <summary>
/// What the dev loop's runtime image was built from, cheaply: the base, where it goes, and the name, size and
/// modification time of every bundled file. An unchanged stamp whose image is still in the registry is reused, so a
/// live deploy on Kubernetes does not hash ~100 MB of .NET and rewrite the layout each time.
/// </summary>
internal static class RuntimeImageStamp
{
    public static string Compute(ImageDefinition definition, string? registry, string repository, string tag)
    {
        var text = new StringBuilder()
            .AppendLine(definition.Base.Reference).AppendLine(string.Join(' ', definition.Base.Entrypoint ?? []))
            .AppendLine(string.Join(' ', definition.Base.Cmd ?? [])).AppendLine(registry).AppendLine(repository).AppendLine(tag)
            .AppendLine(string.Join('\n', definition.Steps.Select(s => s.Describe())));
        foreach (var bundle in definition.Bundles)
        {
            text.AppendLine(bundle.Name).AppendLine(bundle.Destination);
            foreach (var file in Files(bundle).Order(StringComparer.Ordinal))
            {
                var info = new FileInfo(Path.Combine(bundle.SourceDirectory, file));
                text.Append(file).Append(' ').Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append(' ')
                    .AppendLine(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The image recorded for <paramref name="stamp"/>, or null when the file is missing or for other inputs.</summary>
    public static string? Read(string file, string stamp)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        var lines = File.ReadAllLines(file);
        return lines.Length == 2 && lines[0] == stamp ? lines[1] : null;
    }

    public static void Write(string file, string stamp, string reference)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllLines(file, [stamp, reference]);
    }

    private static IEnumerable<string> Files(FileBundle bundle)
    {
        foreach (var include in bundle.Include ?? ["."])
        {
            var path = Path.Combine(bundle.SourceDirectory, include);
            if (File.Exists(path))
            {
                yield return include;
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
                {
                    yield return Path.GetRelativePath(bundle.SourceDirectory, file);
                }
            }
        }
    }
}
