namespace Kt.Client.Deploy;

/// <summary>
/// Whether the project's files changed after a publish was deployed: then a program of another configuration (the
/// Debug <c>dotnet run</c> after a Release publish) carries an edit the pods do not have, and calling the publish
/// would answer with the old code. Files under <c>bin/</c>, <c>obj/</c> and hidden folders are outputs, not edits.
/// </summary>
internal static class SourceEdits
{
    public static string? EditedSince(string projectDirectory, DateTimeOffset since)
    {
        if (!Directory.Exists(projectDirectory))
        {
            return null;
        }

        var pending = new Stack<string>([projectDirectory]);
        while (pending.TryPop(out var folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                if (File.GetLastWriteTimeUtc(file) > since.UtcDateTime)
                {
                    return Path.GetRelativePath(projectDirectory, file);
                }
            }

            foreach (var child in Directory.EnumerateDirectories(folder))
            {
                var name = Path.GetFileName(child);
                if (!name.StartsWith('.') && !(folder == projectDirectory && name is "bin" or "obj"))
                {
                    pending.Push(child);
                }
            }
        }

        return null;
    }
}
