using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Kt.PodRuntime.Bench;

/// <summary>The user library the bench syncs and calls, compiled with Roslyn (a variant per greeting).</summary>
internal static class DemoCode
{
    private static readonly MetadataReference[] References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray();

    public static byte[] Compile(string greeting)
    {
        var source = $$"""
            namespace Demo;
            public static class Calc
            {
                public static int Add(int a, int b) => a + b;
                // As the template's Hello: one line per call, as user code prints (captured per call, and to the log).
                public static string Hello(string name)
                {
                    System.Console.WriteLine($"greeting {name} on {System.Environment.MachineName}");
                    return "Hello " + name;
                }
                public static string Greet(string name) => "{{greeting}} " + name;
                public static int Pid() => System.Environment.ProcessId;
            }
            """;
        var compilation = CSharpCompilation.Create("Demo", [CSharpSyntaxTree.ParseText(source)], References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join('\n', result.Diagnostics));
        }

        return stream.ToArray();
    }
}
