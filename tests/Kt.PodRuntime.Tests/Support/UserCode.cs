using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Kt.PodRuntime.Tests.Support;

/// <summary>Compiles the small user library the tests sync and call (Roslyn, in process, against the running framework).</summary>
public static class UserCode
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    public const string AssemblyName = "Demo";

    /// <summary>The demo library; <paramref name="greeting"/> changes its code between versions.</summary>
    public static string Source(string greeting) => $$"""
        using System;
        using System.IO;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Demo;

        public sealed record Point(int X, int Y);

        public static class Calc
        {
            public static int Add(int a, int b) => a + b;
            public static string Greet(string name) => "{{greeting}} " + name;
            public static Point Move(Point p, int dx = 1) => new(p.X + dx, p.Y);
            public static async Task<int> SlowAdd(int a, int b, CancellationToken ct) { await Task.Delay(20, ct); return a + b; }
            public static async ValueTask<string> Echo(string text) { await Task.Yield(); return text; }
            public static void Boom(string message) => throw new InvalidOperationException(message);
            public static int Positive(int x) => x < 0 ? throw new ArgumentOutOfRangeException(nameof(x), "must be positive") : x;
            public static int NotYet() => throw new NotImplementedException("later");
            public static void Crash() => Environment.FailFast("kt test crash");
            public static string? Env(string name) => Environment.GetEnvironmentVariable(name);
            public static int Pid() => Environment.ProcessId;
            public static int Block(int ms) { Thread.Sleep(ms); return ms; }
            public static int Chatty(int n)
            {
                for (var i = 0; i < n; i++) Console.WriteLine($"line {i}");
                Console.Error.Write("tail-without-newline");
                return n;
            }
            public static string[] Markers()
            {
                var dir = Path.GetDirectoryName(typeof(Calc).Assembly.Location)!;
                return Directory.GetFiles(dir, "marker*.txt").Select(File.ReadAllText).Distinct().ToArray();
            }
            public static async Task<string> Wait(int ms, CancellationToken ct) { await Task.Delay(ms, ct); return "done"; }
            public static int Shout(int mebibytes) { Console.WriteLine(new string('x', mebibytes << 20)); return mebibytes; }
            public static string Big(int mebibytes) => new string('y', mebibytes << 20);
            public static int Die() { System.Diagnostics.Process.GetCurrentProcess().Kill(); return 0; }
            public static int Hog(int mebibytes)
            {
                // Native memory, every page touched: the GC's own limit (which turns a managed allocation into an
                // OutOfMemoryException) does not govern it, so only the kernel stops it, as it stopped the worker
                // on a real cluster.
                var chunks = 0;
                for (var i = 0; i < mebibytes; i += 16, chunks++)
                {
                    var chunk = System.Runtime.InteropServices.Marshal.AllocHGlobal(16 << 20);
                    for (var page = 0; page < 16 << 20; page += 4096) System.Runtime.InteropServices.Marshal.WriteByte(chunk, page, 1);
                }
                return chunks;
            }
            public static int Recurse(int depth) => Recurse(depth + 1) + 1;
            public static string Folder() => Path.GetDirectoryName(typeof(Calc).Assembly.Location)!;
            public static void Scribble(string name, string text) => File.WriteAllText(Path.Combine(Folder(), name), text);
            // Issue 22: what one call sees of its version (code, KT_CODE_DIR, base directory, current directory, its
            // assembly's folder), looked at twice with a pause between.
            public static string[] Identity(int holdMs)
            {
                string[] Look() =>
                [
                    File.ReadAllText(Path.Combine(Environment.GetEnvironmentVariable("KT_CODE_DIR")!, "stamp.txt")),
                    File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "stamp.txt")),
                    File.ReadAllText("stamp.txt"),
                    File.ReadAllText(Path.Combine(Folder(), "stamp.txt")),
                ];
                var before = Look();
                Thread.Sleep(holdMs);
                return ["{{greeting}}", .. before, .. Look()];
            }
            public static int Flood(int lines, int width, string progress, CancellationToken ct)
            {
                var line = new string('f', width);
                try
                {
                    for (var i = 0; i < lines; i++)
                    {
                        ct.ThrowIfCancellationRequested();
                        Console.WriteLine(line);
                        if (i % 256 == 0) File.WriteAllText(progress, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                    File.WriteAllText(progress, lines.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return lines;
                }
                finally
                {
                    File.WriteAllText(progress + ".end", "end");
                }
            }
            public static int Length(string text) => text.Length;
            // Issue 23: user code tracing with its own ActivitySource, and printing inside its span.
            private static readonly System.Diagnostics.ActivitySource Own = new("Demo.Own");
            public static string Traced(string text)
            {
                using (var span = Own.StartActivity("demo work"))
                {
                    span?.SetTag("demo.text", text);
                    Console.WriteLine("tracing " + text);
                }
                return text;
            }
            public static long Spin(string started)
            {
                File.WriteAllText(started, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                long x = 0;
                while (x >= 0) x++; // ignores every token: only ending the process stops it
                return x;
            }
            public static async Task<string[]> MarkersWhen(string started, string release, CancellationToken ct)
            {
                File.WriteAllText(started, "started");
                while (!File.Exists(release)) await Task.Delay(10, ct);
                return Markers();
            }
        }

        public sealed class Counter
        {
            private int _value;
            public Counter(int start) { _value = start; }
            public int Next() => Interlocked.Increment(ref _value);
        }
        """;

    /// <summary>Writes Demo.dll (and optional marker files) into <paramref name="folder"/>.</summary>
    public static void Write(string folder, string greeting = "Hello", IReadOnlyDictionary<string, string>? extraFiles = null)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, AssemblyName + ".dll"), Compile(greeting));
        foreach (var (name, content) in extraFiles ?? new Dictionary<string, string>())
        {
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }
    }

    private static readonly Dictionary<string, byte[]> Compiled = new(StringComparer.Ordinal);

    public static byte[] Compile(string greeting)
    {
        lock (Compiled)
        {
            if (Compiled.TryGetValue(greeting, out var cached))
            {
                return cached;
            }

            var compilation = CSharpCompilation.Create(
                AssemblyName,
                [CSharpSyntaxTree.ParseText(Source(greeting), new CSharpParseOptions(LanguageVersion.Latest))],
                References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable, deterministic: true));
            using var stream = new MemoryStream();
            var result = compilation.Emit(stream);
            if (!result.Success)
            {
                throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
            }

            return Compiled[greeting] = stream.ToArray();
        }
    }
}
