using Kt.TestSupport;

namespace Kt.Templates.Tests;

/// <summary>
/// A user who has never used .NET packages or templates on this machine: an empty CLI home (template cache, NuGet
/// config), an empty NuGet package folder, their own Docker config and KT_HOME, all in one temp folder.
/// </summary>
public sealed class FreshUser : IDisposable
{
    /// <summary>A fresh restore of the template's packages may take minutes on a loaded machine.</summary>
    private static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(8);

    private readonly TempFolder _root = new("kt-user");

    public FreshUser()
    {
        Directory.CreateDirectory(Combine("cli-home"));
        Directory.CreateDirectory(Combine("nuget-packages"));
        Directory.CreateDirectory(Combine("docker-config"));
        // Empty Directory.* files stop MSBuild from looking further up for props of some other tree.
        _root.Write("work/Directory.Build.props", "<Project />");
        _root.Write("work/Directory.Build.targets", "<Project />");
    }

    /// <summary>Where the user's projects go.</summary>
    public string WorkFolder => Combine("work");

    public string NuGetPackages => Combine("nuget-packages");

    public string Combine(params string[] parts) => _root.Combine(parts);

    /// <summary>The user's environment: isolated homes and caches, none of the test host's MSBuild settings.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["DOTNET_CLI_HOME"] = Combine("cli-home"),
        ["NUGET_PACKAGES"] = NuGetPackages,
        ["DOCKER_CONFIG"] = Combine("docker-config"),
        ["KT_HOME"] = Combine("kt-home"),
    };

    public ProcessRunner.Result Dotnet(string folder, params string[] arguments) => RunDotnet(folder, Environment, arguments);

    /// <summary>Runs <paramref name="fileName"/> with the user's environment plus <paramref name="extra"/>.</summary>
    public ProcessRunner.Result Run(string fileName, IEnumerable<string> arguments, string folder, IReadOnlyDictionary<string, string>? extra = null) =>
        ProcessRunner.RunAsUser(fileName, arguments, folder,
            extra is null ? Environment : Environment.Concat(extra).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value), TimeLimit);

    /// <summary>Runs dotnet with <paramref name="environment"/> (null: the machine's own caches and homes).</summary>
    public static ProcessRunner.Result RunDotnet(string folder, IReadOnlyDictionary<string, string>? environment, IEnumerable<string> arguments) =>
        ProcessRunner.Dotnet(folder, arguments, environment, TimeLimit);

    public void Dispose() => _root.Dispose();
}
