namespace Kt.Core;

/// <summary>The kind names users write (MSBuild <c>KtSetup Include=…</c>, journal entries, progress lines): the image
/// compiler, the pod runtime and the prerequisite check name steps by these.</summary>
public static class StepKinds
{
    public const string Apt = "apt";
    public const string Pip = "pip";
    public const string DotnetTool = "dotnet-tool";
    public const string Run = "run";
    public const string Env = "env";
    public const string Copy = "copy";
    public const string Sync = "sync";
    public const string WorkDir = "workdir";
    public const string User = "user";
    public const string App = "app";
    public const string Bundle = "bundle";

    public static IReadOnlyList<string> Declarable { get; } = [Apt, Pip, DotnetTool, Run, Env, Copy, Sync, WorkDir, User];
}
