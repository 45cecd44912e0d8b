using Kt.Core;

namespace Kt.ImageCompiler.Model;

/// <summary>Installs Debian packages with apt-get.</summary>
public sealed record AptInstallStep(IReadOnlyList<string> Packages) : SetupStep
{
    public override string Kind => StepKinds.Apt;
    public override StepEffect Effect => StepEffect.Command;
    public override IReadOnlyList<string> CanonicalArguments => Packages;
    public override string Describe() => "apt install " + string.Join(' ', Packages);
}

/// <summary>Installs Python packages with pip.</summary>
public sealed record PipInstallStep(IReadOnlyList<string> Packages) : SetupStep
{
    public override string Kind => StepKinds.Pip;
    public override StepEffect Effect => StepEffect.Command;
    public override IReadOnlyList<string> CanonicalArguments => Packages;
    public override string Describe() => "pip install " + string.Join(' ', Packages);
}

/// <summary>Installs a .NET tool into <see cref="ToolPath"/> (on PATH through an env step the user adds, or the default).</summary>
public sealed record DotnetToolStep(string Name, string? Version, string ToolPath) : SetupStep
{
    public const string DefaultToolPath = "/opt/kt/tools";

    public override string Kind => StepKinds.DotnetTool;
    public override StepEffect Effect => StepEffect.Command;
    public override IReadOnlyList<string> CanonicalArguments => [Name, Version ?? "", ToolPath];
    public override string Describe() => $"dotnet tool install {Name}{(Version is null ? "" : "@" + Version)}";
}

/// <summary>Runs a shell command with /bin/sh -c.</summary>
public sealed record RunStep(string Command) : SetupStep
{
    public override string Kind => StepKinds.Run;
    public override StepEffect Effect => StepEffect.Command;
    public override IReadOnlyList<string> CanonicalArguments => [Command];
    public override string Describe() => "run " + Command;
}

/// <summary>Sets an environment variable; <c>$VAR</c> and <c>${VAR}</c> expand against the environment built so far.</summary>
public sealed record SetEnvStep(string Name, string Value) : SetupStep
{
    public override string Kind => StepKinds.Env;
    public override StepEffect Effect => StepEffect.Metadata;
    public override IReadOnlyList<string> CanonicalArguments => [Name, Value];
    public override string Describe() => $"env {Name}={Value}";
}

/// <summary>Copies a file, folder or glob (relative to the project root) to a destination in the image.</summary>
/// <param name="Source">Relative to the project root; may be a glob (<c>*</c>, <c>**</c>, <c>?</c>).</param>
/// <param name="Destination">Absolute, or relative to the working directory in effect; a trailing '/' means "into this folder".</param>
public sealed record CopyStep(string Source, string Destination) : SetupStep
{
    public override string Kind => StepKinds.Copy;
    public override StepEffect Effect => StepEffect.Files;
    public override IReadOnlyList<string> CanonicalArguments => [Source.Replace('\\', '/'), Destination];
    public override string Describe() => $"copy {Source} {Destination}";
}

/// <summary>Syncs a local folder (a project, a data folder) to an absolute destination; removed files are removed there too.</summary>
public sealed record SyncStep(string Source, string Destination) : SetupStep
{
    public override string Kind => StepKinds.Sync;
    public override StepEffect Effect => StepEffect.Files;

    // The source path is part of the arguments only by its last segment: the key must not depend on where the
    // project lives on disk, and the content is hashed anyway.
    public override IReadOnlyList<string> CanonicalArguments => [Path.GetFileName(Source.TrimEnd('/', '\\')), Destination];
    public override string Describe() => $"sync {Source} {Destination}";
}

/// <summary>Sets the working directory for later steps and the app.</summary>
public sealed record WorkDirStep(string Path) : SetupStep
{
    public override string Kind => StepKinds.WorkDir;
    public override StepEffect Effect => StepEffect.Metadata;
    public override IReadOnlyList<string> CanonicalArguments => [Path];
    public override string Describe() => "workdir " + Path;
}

/// <summary>Sets the user for later steps and the app.</summary>
public sealed record UserStep(string User) : SetupStep
{
    public override string Kind => StepKinds.User;
    public override StepEffect Effect => StepEffect.Metadata;
    public override IReadOnlyList<string> CanonicalArguments => [User];
    public override string Describe() => "user " + User;
}
