namespace Kt.Watch;

/// <summary>The KT8xxx codes of the <c>kt</c> tool and its watch loop (see docs/errors-cli.md).</summary>
public static class WatchErrors
{
    /// <summary>The design-time build that reads the project's compiler arguments failed (the project does not evaluate or restore).</summary>
    public const string DesignTimeBuildFailed = "KT8001";

    /// <summary>The compiler of the SDK that builds the project was not found where MSBuild says it is.</summary>
    public const string CompilerNotFound = "KT8002";

    /// <summary><c>dotnet publish</c> of the project failed (its own errors are printed above).</summary>
    public const string PublishFailed = "KT8003";

    /// <summary>The project has no <c>kt.definition.json</c>: it does not reference Kt.MSBuild.</summary>
    public const string NotAKtProject = "KT8004";

    /// <summary>No project file in the folder given, or more than one.</summary>
    public const string ProjectNotFound = "KT8005";
}
