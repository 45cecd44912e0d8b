namespace Kt.MSBuild;

internal static class AssemblyMarker;
