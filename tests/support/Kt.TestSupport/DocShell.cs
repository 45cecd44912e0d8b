using System.Diagnostics;
using System.Text;

namespace Kt.TestSupport;

/// <summary>
/// Runs a doc's shell block the way a user pastes it into one terminal: one bash, the lines as written, in order, from
/// the folder the doc names (a <c>cd</c> in the block carries on to the next line). Each line's exit code, output and
/// folder are recorded; the first line that fails ends the block, as a user would stop there. A line the doc says runs
/// until Ctrl+C (its comment says so) is given to the test while it runs, then gets SIGINT, as from the keyboard, and
/// must end with 130.
/// </summary>
public sealed class DocShell
{
    private const string Marker = "::kt-doc-line ";

    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DocShell()
    {
    }

    /// <summary>One line of the block as it ran: its number in the doc, the command, exit code, output, folder after.</summary>
    public sealed record Line(int DocLine, string Command, int Exit, string Output, string Folder);

    /// <summary>A line that runs until Ctrl+C, while it runs: what it has printed so far, and where it runs.</summary>
    public sealed class Running(DocShell shell, string command, string folder, int firstLine)
    {
        public string Command => command;

        /// <summary>The folder the line runs in.</summary>
        public string Folder => folder;

        /// <summary>Its output so far.</summary>
        public string Output => shell.OutputSince(firstLine);

        /// <summary>A place in the output: <see cref="LineAsync"/> from a mark looks only at what was printed after it.</summary>
        public int Mark => shell.Count();

        /// <summary>Waits for an output line of this command that matches (only after <paramref name="mark"/>, when given).</summary>
        public Task<string> LineAsync(Func<string, bool> match, TimeSpan limit, int? mark = null) => shell.WaitAsync(mark ?? firstLine, match, limit, command);
    }

    public sealed record Result(IReadOnlyList<Line> Lines, int Exit, string Output)
    {
        public Line Single(string commandStart) =>
            Lines.Single(l => l.Command.StartsWith(commandStart, StringComparison.Ordinal));

        /// <summary>Every line ran and ended well (0, or 130 for a line that runs until Ctrl+C).</summary>
        public Result EnsureSuccess(DocBlocks.Block block, int lineCount)
        {
            if (Exit != 0 || Lines.Count != lineCount)
            {
                var last = Lines.Count == 0 ? "no line ran" : $"line {Lines[^1].DocLine} `{Lines[^1].Command}` ended with {Lines[^1].Exit}";
                throw new InvalidOperationException($"{block}: {last} ({Lines.Count} of {lineCount} lines ran, bash exit {Exit}).\n{Output}");
            }

            return this;
        }
    }

    /// <summary>The commands of a block: continuation lines joined, blank and comment-only lines left out.</summary>
    public static IReadOnlyList<(int DocLine, string Command)> Commands(DocBlocks.Block block)
    {
        var commands = new List<(int, string)>();
        var lines = block.Text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var start = i;
            var text = lines[i];
            while (text.EndsWith('\\') && i + 1 < lines.Length)
            {
                text = text[..^1] + "\\\n" + lines[++i];
            }

            if (text.Trim().Length > 0 && !text.TrimStart().StartsWith('#'))
            {
                commands.Add((block.Line + start, text));
            }
        }

        return commands;
    }

    /// <summary>A command the doc says runs until Ctrl+C.</summary>
    public static bool RunsUntilInterrupted(string command) => command.Contains("Ctrl+C", StringComparison.Ordinal);

    /// <summary>
    /// Runs <paramref name="block"/> in <paramref name="folder"/> with the machine's environment, minus the test host's
    /// MSBuild variables, plus <paramref name="environment"/> (a null value removes a variable).
    /// <paramref name="whileRunning"/> gets each line that runs until Ctrl+C; when it returns, that line is interrupted.
    /// </summary>
    public static async Task<Result> RunAsync(DocBlocks.Block block, string folder, IReadOnlyDictionary<string, string?> environment,
        Func<Running, Task>? whileRunning, TimeSpan limit)
    {
        var shell = new DocShell();
        return await shell.RunBlockAsync(block, folder, environment, whileRunning, limit).ConfigureAwait(false);
    }

    private async Task<Result> RunBlockAsync(DocBlocks.Block block, string folder, IReadOnlyDictionary<string, string?> environment,
        Func<Running, Task>? whileRunning, TimeSpan limit)
    {
        var commands = Commands(block);
        var script = new StringBuilder("exec 2>&1 </dev/null\n");
        foreach (var (line, command) in commands)
        {
            var allowed = RunsUntilInterrupted(command) ? "[ $__kt_s -eq 0 ] || [ $__kt_s -eq 130 ]" : "[ $__kt_s -eq 0 ]";
            script.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"printf '\\n{Marker}{line} start %s\\n' \"$PWD\"\n{command}\n__kt_s=$?\nprintf '\\n{Marker}{line} exit %d %s\\n' $__kt_s \"$PWD\"\n{allowed} || exit $__kt_s\n");
        }

        // A user's terminal delivers Ctrl+C. A test host started in the background of a non-interactive shell (as some
        // CI runners start it) inherits SIGINT and SIGQUIT ignored, bash cannot un-ignore what it inherits, and .NET keeps
        // an ignored SIGINT ignored: kt watch would never see the Ctrl+C the block says to give it. env resets both first.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        start.ArgumentList.Add("--default-signal=INT,QUIT");
        start.ArgumentList.Add("bash");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script.ToString());
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        // No build server may outlive the block (it would hold the temp folders' files, and memory, on a shared machine).
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            var seen = 0;
            foreach (var (line, command) in commands.Where(c => RunsUntilInterrupted(c.Command)))
            {
                // A line before it that failed ends the block: then there is nothing to interrupt.
                var starting = WaitAsync(seen, l => l.StartsWith($"{Marker}{line} start ", StringComparison.Ordinal), limit, command);
                var exited = process.WaitForExitAsync(timeout.Token);
                if (await Task.WhenAny(starting, exited).ConfigureAwait(false) == exited)
                {
                    break;
                }

                var started = await starting.ConfigureAwait(false);
                seen = IndexOf(started) + 1;
                var running = new Running(this, command, started[$"{Marker}{line} start ".Length..], seen);
                if (whileRunning is not null)
                {
                    await whileRunning(running).WaitAsync(timeout.Token).ConfigureAwait(false);
                }

                Interrupt(process.Id);
            }

            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.WaitForExit();
        return new Result(Parse(commands), process.ExitCode, OutputSince(0));
    }

    /// <summary>SIGINT to the command bash runs in the foreground (its child), as Ctrl+C gives it; bash itself goes on.</summary>
    private static void Interrupt(int bash)
    {
        var children = File.ReadAllText($"/proc/{bash}/task/{bash}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var child in children)
        {
            using var kill = Process.Start("kill", ["-INT", child]);
            kill.WaitForExit();
        }
    }

    private List<Line> Parse(IReadOnlyList<(int DocLine, string Command)> commands)
    {
        var result = new List<Line>();
        var all = Snapshot();
        foreach (var (line, command) in commands)
        {
            var begin = all.FindIndex(l => l.StartsWith($"{Marker}{line} start ", StringComparison.Ordinal));
            var end = all.FindIndex(l => l.StartsWith($"{Marker}{line} exit ", StringComparison.Ordinal));
            if (begin < 0 || end < 0)
            {
                break;
            }

            var exit = all[end][$"{Marker}{line} exit ".Length..].Split(' ', 2);
            var output = string.Join('\n', all[(begin + 1)..end]).Trim('\n');
            result.Add(new Line(line, command, int.Parse(exit[0], System.Globalization.CultureInfo.InvariantCulture), output, exit.Length > 1 ? exit[1] : ""));
        }

        return result;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource changed;
        lock (_gate)
        {
            _lines.Add(line);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private List<string> Snapshot()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    private int IndexOf(string line)
    {
        lock (_gate)
        {
            return _lines.LastIndexOf(line);
        }
    }

    private string OutputSince(int firstLine)
    {
        lock (_gate)
        {
            return string.Join('\n', _lines.Skip(firstLine).Where(l => !l.StartsWith(Marker, StringComparison.Ordinal)));
        }
    }

    private int Count()
    {
        lock (_gate)
        {
            return _lines.Count;
        }
    }

    /// <summary>The first output line from index <paramref name="from"/> on that matches, waiting for it.</summary>
    private async Task<string> WaitAsync(int from, Func<string, bool> match, TimeSpan limit, string command)
    {
        using var timeout = new CancellationTokenSource(limit);
        var index = from;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (; index < _lines.Count; index++)
                {
                    if (match(_lines[index]))
                    {
                        return _lines[index];
                    }
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"`{command}` printed no such line within {limit.TotalSeconds:0} s. Output:\n{OutputSince(from)}");
            }
        }
    }
}
