using System.Runtime.Loader;
using System.Text.Json;
using Kt.TestSupport;
using Kt.Workflows;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Kt.MSBuild.Tests;

/// <summary>
/// The curl example the deploy prints: its body must hold arguments the function binds, read the way the pod
/// runtime reads them (System.Text.Json, web defaults), for a record parameter as well as for plain ones.
/// </summary>
public sealed class CallExampleTests
{
    private const string Program = """
        namespace Shop;

        public enum Priority { Low, High }

        public sealed record Item(string Sku, int Quantity, decimal? Price);

        public sealed record Batch(string Name, Item[] Items, System.Collections.Generic.List<string> Tags, Priority Priority, System.DateTimeOffset Due);

        public static class Orders
        {
            public static int Submit(Batch batch, bool dryRun, System.Threading.CancellationToken cancellationToken) => batch.Items.Length;
        }
        """;

    [Fact]
    public void The_example_body_sends_arguments_the_function_binds_including_a_record()
    {
        using var temp = new TempFolder();
        var assemblyFile = Compile(Program, temp.Combine("Shop.dll"));

        var example = CallExample.Find(assemblyFile);

        Assert.NotNull(example);
        Assert.Equal("fn/Shop.Orders/Submit", example.Path);
        var context = new AssemblyLoadContext("call-example", isCollectible: true);
        try
        {
            var submit = context.LoadFromAssemblyPath(assemblyFile).GetType("Shop.Orders")!.GetMethod("Submit")!;
            var parameters = submit.GetParameters().Where(p => p.ParameterType != typeof(CancellationToken)).ToArray();
            using var body = JsonDocument.Parse(example.Body);
            var args = body.RootElement.GetProperty("args").EnumerateArray().ToArray();
            Assert.Equal(parameters.Length, args.Length); // the token is the runtime's, not an argument
            var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            var batch = args[0].Deserialize(parameters[0].ParameterType, web);
            Assert.NotNull(batch);
            Assert.Equal("text", parameters[0].ParameterType.GetProperty("Name")!.GetValue(batch));
            Assert.NotNull(parameters[0].ParameterType.GetProperty("Items")!.GetValue(batch));
            Assert.Equal(false, args[1].Deserialize(parameters[1].ParameterType, web));
            Assert.Equal(0, submit.Invoke(null, [batch, false, CancellationToken.None])); // the function runs on them
        }
        finally
        {
            context.Unload();
        }
    }

    private static string Compile(string source, string output)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(Path.GetFileNameWithoutExtension(output), [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var emitted = compilation.Emit(output);
        Assert.True(emitted.Success, string.Join('\n', emitted.Diagnostics));
        return output;
    }
}
