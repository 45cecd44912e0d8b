using Kt.Core;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Resolution;

namespace Kt.Workflows;

/// <summary>
/// What the dev loop's runtime image was built from, cheaply: the base, where it goes, and the name, size and
/// modification time of every bundled file. An unchanged stamp whose image is still in the registry is reused, so a
/// live deploy on Kubernetes does not hash ~100 MB of .NET and rewrite the layout each time.
/// </summary>
internal static class RuntimeImageStamp
{
    public static string Compute(ImageDefinition definition, string projectDirectory, string? registry, string repository, string tag)
    {
        var files = new FileSetResolver(projectDirectory);
        var text = new StringBuilder()
            .AppendLine(definition.Base.Reference).AppendLine(string.Join(' ', definition.Base.Entrypoint ?? []))
            .AppendLine(string.Join(' ', definition.Base.Cmd ?? [])).AppendLine(registry).AppendLine(repository).AppendLine(tag)
            .AppendLine(string.Join('\n', definition.Steps.Select(s => s.Describe())));
        foreach (var bundle in definition.Bundles)
        {
            text.AppendLine(bundle.Name).AppendLine(bundle.Destination);
            foreach (var (source, imagePath) in files.BundleFiles(bundle).OrderBy(f => f.ImagePath, StringComparer.Ordinal))
            {
                var info = new FileInfo(source);
                text.Append(imagePath).Append(' ').Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append(' ')
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

    public static void Write(string file, string stamp, string reference) =>
        AtomicFile.WriteAllText(file, stamp + "\n" + reference + "\n");
}
