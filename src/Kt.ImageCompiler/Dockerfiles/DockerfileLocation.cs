using Kt.Core;

namespace Kt.ImageCompiler.Dockerfiles;

/// <summary>A line of a Dockerfile: how errors name it (<c>Dockerfile:12</c>) and where MSBuild points (file and line).</summary>
internal readonly record struct DockerfileLocation(string File, string FileName, int Line)
{
    public string Origin => Line > 0 ? $"{FileName}:{Line}" : FileName;

    public KtSourceException Error(string code, string message) => new(code, $"{Origin}: {message}", File, Line);
}
