namespace Kt.TestSupport;

/// <summary>
/// The shell blocks (<c>```sh</c>) of a markdown file, as a user copies them: each with the heading it sits under and
/// the line it starts on, so a test names the block it runs and a failure points at the doc's own line.
/// </summary>
public static class DocBlocks
{
    public sealed record Block(string File, string Heading, int Line, string Text)
    {
        public override string ToString() => $"{Path.GetFileName(File)}:{Line} ({Heading})";
    }

    public static IReadOnlyList<Block> Read(string markdownFile)
    {
        var blocks = new List<Block>();
        var lines = File.ReadAllLines(markdownFile);
        var heading = "";
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith('#'))
            {
                heading = lines[i].TrimStart('#').Trim();
            }
            else if (lines[i].Trim() is "```sh" or "```bash")
            {
                var start = i + 1;
                var end = Array.FindIndex(lines, start, l => l.Trim() == "```");
                if (end < 0)
                {
                    throw new InvalidOperationException($"{markdownFile}:{i + 1}: a shell block that never ends");
                }

                blocks.Add(new Block(markdownFile, heading, start + 1, string.Join('\n', lines[start..end])));
                i = end;
            }
        }

        return blocks;
    }

    /// <summary>The one block under <paramref name="heading"/> whose text contains <paramref name="containing"/>.</summary>
    public static Block Find(string markdownFile, string heading, string containing) =>
        Read(markdownFile).SingleOrDefault(b => b.Heading == heading && b.Text.Contains(containing, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"{markdownFile} has no shell block under '{heading}' with '{containing}'");
}
