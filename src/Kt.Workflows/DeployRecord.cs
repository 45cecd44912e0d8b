using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kt.DevLoop;

namespace Kt.Workflows;

/// <summary>
/// What the last live deploy of a service from this machine was made from: a publish (<c>-p:KtDeploy=true</c>,
/// <c>kt deploy</c>, <c>kt watch</c>) or a program's own build (<c>ToAsync</c>), of which build configuration, serving
/// which version. A program reads it so that <c>dotnet run</c> (Debug) does not sync its build over the Release
/// publish the user just deployed. Kept under <see cref="KtHome"/>; a teardown forgets it.
/// </summary>
public sealed record DeployRecord(string Origin, string? Configuration, string Version, DateTimeOffset DeployedAt)
{
    public const string FromPublish = "publish";
    public const string FromProgram = "program";

    public static DeployRecord? Read(ProjectDefinition project)
    {
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(FileOf(project)));
            return new DeployRecord(
                (string?)node?["origin"] ?? FromPublish,
                (string?)node?["configuration"],
                (string?)node?["version"] ?? "",
                DateTimeOffset.Parse((string?)node?["deployedAt"] ?? "", CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException or InvalidOperationException)
        {
            return null; // none, or unreadable: as if nothing was recorded (the program then deploys its build)
        }
    }

    public void Write(ProjectDefinition project)
    {
        var file = FileOf(project);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var node = new JsonObject
        {
            ["origin"] = Origin,
            ["configuration"] = Configuration,
            ["version"] = Version,
            ["deployedAt"] = DeployedAt.ToString("O", CultureInfo.InvariantCulture),
        };
        AtomicFile.WriteAllText(file, node.ToJsonString());
    }

    /// <summary>Forgets the record; a machine that never deployed the service (teardown from elsewhere) has none to forget.</summary>
    public static void Forget(ProjectDefinition project)
    {
        var file = FileOf(project);
        if (File.Exists(file))
        {
            File.Delete(file); // File.Delete throws when the folder itself does not exist
        }
    }

    private static string FileOf(ProjectDefinition project) =>
        KtHome.Combine("deploys", project.Compute.Backend.Trim().ToLowerInvariant(), project.Compute.Namespace, project.Service + ".json");
}
