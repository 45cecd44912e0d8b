namespace Kt.Core;

/// <summary>A Kt error in a file of the user's (a Dockerfile line): MSBuild reports it at that file and line, not at Kt's targets.</summary>
public sealed class KtSourceException(string code, string message, string file, int line) : KtException(code, message)
{
    /// <summary>The file at fault (absolute when known).</summary>
    public string File { get; } = file;

    /// <summary>1-based; 0 when the error concerns the whole file.</summary>
    public int Line { get; } = line;
}
