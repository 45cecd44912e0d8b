using System.CommandLine;
using System.Text;
using System.Threading.Channels;

namespace Kt.Cli.Tests;

/// <summary>
/// One run of <c>kt</c> through its own entry (the same root command the tool's Main parses), with writers the test
/// reads line by line while the verb runs, and a cancellation that stands for Ctrl+C.
/// </summary>
internal sealed class KtRun
{
    private readonly LineWriter _output = new();
    private readonly LineWriter _error = new();

    private KtRun(string[] args, CancellationToken cancellationToken)
    {
        var configuration = new InvocationConfiguration { Output = _output, Error = _error };
        Exit = KtCommands.Root().Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    public Task<int> Exit { get; }

    public string Output => _output.Text;

    public string Error => _error.Text;

    public static KtRun Start(CancellationToken cancellationToken, params string[] args) => new(args, cancellationToken);

    /// <summary>Runs to the end (at most two minutes).</summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var run = new KtRun(args, timeout.Token);
        var exit = await run.Exit;
        return (exit, run.Output, run.Error);
    }

    /// <summary>The first output line that matches, waiting for it (at most a minute); fails if kt ends first.</summary>
    public async Task<string> LineAsync(Func<string, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var reader = _output.Lines.Reader;
        while (true)
        {
            var next = reader.ReadAsync(timeout.Token).AsTask();
            if (await Task.WhenAny(next, Exit) != next)
            {
                throw new InvalidOperationException($"kt ended ({await Exit}) before the line. Output:\n{Output}\nError:\n{Error}");
            }

            var line = await next;
            if (match(line))
            {
                return line;
            }
        }
    }

    /// <summary>Collects what kt writes, and hands each finished line to a reader as it is written.</summary>
    private sealed class LineWriter : TextWriter
    {
        private readonly Lock _gate = new();
        private readonly StringBuilder _all = new();
        private readonly StringBuilder _line = new();

        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _all.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_gate)
            {
                _all.Append(value);
                if (value == '\n')
                {
                    Lines.Writer.TryWrite(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "")
            {
                Write(c);
            }
        }
    }
}
