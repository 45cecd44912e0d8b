namespace Kt.DevLoop;

/// <summary>
/// Where Kt keeps what it created on this machine (process pods, tokens, docker service tokens): <c>$KT_HOME</c>, or
/// <c>~/.kt</c>. Tests point it at a temporary folder.
/// </summary>
public static class KtHome
{
    public static string Path => Environment.GetEnvironmentVariable("KT_HOME") is { Length: > 0 } home
        ? System.IO.Path.GetFullPath(home)
        : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kt");

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
}
