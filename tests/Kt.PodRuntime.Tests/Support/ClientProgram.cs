using System.Diagnostics;
using Kt.PodRuntime.Client;
using Kt.TestSupport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Kt.PodRuntime.Tests.Support;

/// <summary>
/// A client program of its own (a separate process, as a user's app is): it calls a pod through <see cref="PodClient"/>
/// and prints the result and whether any OpenTelemetry assembly is loaded in it. Compiled once with Roslyn, run next to
/// copies of this test project's assemblies with its runtimeconfig and deps.json.
/// </summary>
public static class ClientProgram
{
    private const string Source = """
        using System;
        using System.Linq;
        using System.Threading.Tasks;
        using Kt.PodRuntime.Client;

        public static class Program
        {
            public static async Task<int> Main(string[] args)
            {
                using var client = new PodClient(new Uri(args[0]), args[1]);
                var result = await client.CallAsync<string>(args[2], args[3], [args[4]]);
                Console.WriteLine("result=" + result);
                var loaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "").Where(n => n.StartsWith("OpenTelemetry", StringComparison.Ordinal));
                Console.WriteLine("opentelemetry=" + string.Join(",", loaded));
                return 0;
            }
        }
        """;

    private static readonly Lazy<string> Folder = new(Build);

    /// <summary>Runs the program: one call of <paramref name="type"/>.<paramref name="method"/>(<paramref name="argument"/>), with <paramref name="environment"/> on top of a copy of this process's (OTEL_* removed).</summary>
    public static async Task<(int Exit, string Output)> RunAsync(Uri pod, string token, string type, string method, string argument, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (var arg in new[] { "exec", Path.Combine(Folder.Value, "KtClientProgram.dll"), pod.ToString(), token, type, method, argument })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private static string Build()
    {
        var bin = AppContext.BaseDirectory;
        var folder = Path.Combine(Path.GetTempPath(), "kt-client-program-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        // What a user's app has next to it, and the dependency file that makes the host take them: this test project's
        // own output (Kt's client, OpenTelemetry — loaded only when an endpoint is set — and System.Diagnostics.DiagnosticSource
        // of a newer version than the framework's, as OpenTelemetry needs it), under the program's name.
        foreach (var file in Directory.EnumerateFiles(bin, "*.dll"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        File.Copy(Path.Combine(bin, "Kt.PodRuntime.Tests.runtimeconfig.json"), Path.Combine(folder, "KtClientProgram.runtimeconfig.json"));
        File.Copy(Path.Combine(bin, "Kt.PodRuntime.Tests.deps.json"), Path.Combine(folder, "KtClientProgram.deps.json"));
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(PodClient).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(
            "KtClientProgram",
            [CSharpSyntaxTree.ParseText(Source, new CSharpParseOptions(LanguageVersion.Latest))],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, optimizationLevel: OptimizationLevel.Release));
        var result = compilation.Emit(Path.Combine(folder, "KtClientProgram.dll"));
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return folder;
    }
}
