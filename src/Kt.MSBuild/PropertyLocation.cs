using System.Xml;
using System.Xml.Linq;
using Kt.DevLoop;
using Kt.PodRuntime.Protocol;

namespace Kt.MSBuild;

/// <summary>
/// Where an error that no item caused points: at the user's project file (never at Kt's targets, where the task
/// runs), on the line of the property the fault concerns when the project sets it — the base image for a base that
/// cannot be pulled or cannot start a worker, the registry (or the base, whichever the message names) for a registry
/// that cannot be reached.
/// </summary>
internal static class PropertyLocation
{
    private static readonly string[] BaseImage = ["ContainerBaseImage", "KtBaseImage"];

    private static readonly Dictionary<string, string[]> PropertiesOfCode = new(StringComparer.Ordinal)
    {
        [DevLoopErrors.BaseImageMissing] = BaseImage,
        [RuntimeErrorCodes.WorkerUnavailable] = BaseImage,
        [Kt.Oci.OciErrors.RegistryUnreachable] = ["ContainerRegistry", .. BaseImage],
    };

    /// <summary>The project file and the line of the property the error concerns, or line 0.</summary>
    public static (string File, int Line) Find(string code, string message, string projectFile)
    {
        if (!PropertiesOfCode.TryGetValue(code, out var names) || !File.Exists(projectFile))
        {
            return (projectFile, 0);
        }

        try
        {
            var set = XDocument.Load(projectFile, LoadOptions.SetLineInfo).Descendants()
                .Where(e => e.Parent?.Name.LocalName == "PropertyGroup" && names.Contains(e.Name.LocalName, StringComparer.Ordinal)
                    && e.Value.Trim().Length > 0)
                .ToList();
            // Among several, the one whose value the message names (a registry error names the host it could not reach).
            var element = set.FirstOrDefault(e => message.Contains(RegistryHost(e.Value.Trim()), StringComparison.Ordinal)) ?? set.FirstOrDefault();
            return (projectFile, element is null ? 0 : ((IXmlLineInfo)element).LineNumber);
        }
        catch (XmlException)
        {
            return (projectFile, 0); // MSBuild read it, so this does not happen
        }
    }

    // An image reference's registry host (127.0.0.1:5000/team/base:1 → 127.0.0.1:5000); a registry property is one already.
    private static string RegistryHost(string value) => value.Split('/')[0];
}
