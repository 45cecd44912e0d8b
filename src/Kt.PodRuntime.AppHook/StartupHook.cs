using Kt.PodRuntime.AppHook;

#pragma warning disable CA1050 // The .NET host looks for exactly this name, in no namespace (DOTNET_STARTUP_HOOKS).

/// <summary>
/// Run by the .NET host before the app's <c>Main</c> when <c>DOTNET_STARTUP_HOOKS</c> names this assembly, as the pod
/// runtime sets it for a <c>Remote.App</c>: connects the app process to the pod so that <c>kt watch</c>'s IL deltas reach
/// it in place (<see cref="DeltaAgent"/>).
/// </summary>
internal static class StartupHook
{
    public static void Initialize() => DeltaAgent.Start();
}
