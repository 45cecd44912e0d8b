using System.Threading.Channels;
using Kt.Core;
using Kt.MSBuild.Tests;
using Kt.PodRuntime.Client;
using Kt.TestSupport;
using Kt.Workflows;

namespace Kt.Watch.Tests;

/// <summary>
/// <c>kt watch -c Release</c> (whole assemblies on every edit) against a real project (the packed Kt.MSBuild), real <c>dotnet publish</c> and real process pods:
/// an edit takes the in-process compile and reaches the pod, a compile error deploys nothing and the old version keeps
/// serving, and a project file change goes through MSBuild.
/// </summary>
[Collection(WatchCollection.Name)]
public sealed class WatchLoopTests : IClassFixture<PackedTaskFixture>
{
    private static readonly TimeSpan TurnTimeout = TimeSpan.FromMinutes(3);
    private readonly PackedTaskFixture _fixture;

    public WatchLoopTests(PackedTaskFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task An_edit_is_compiled_in_process_and_served_a_compile_error_deploys_nothing_and_a_project_change_publishes()
    {
        var service = $"watch-{Guid.NewGuid():N}"[..20];
        var project = _fixture.CreateConsoleProject("WatchApp", $"<KtService>{service}</KtService>", "");
        var functions = Path.Combine(project, "Functions.cs");
        await File.WriteAllTextAsync(functions, Source("one"));

        var turns = Channel.CreateUnbounded<WatchIteration>();
        var lines = new List<string>();
        var output = new WorkflowOutput(line => { lock (lines) { lines.Add(line); } }, _ => { });
        using var stop = new CancellationTokenSource();
        using var session = new WatchSession(new WatchOptions { Configuration = "Release", ProjectFile = Path.Combine(project, "WatchApp.csproj"), Environment = Environment }, output, t => turns.Writer.TryWrite(t));
        var run = Task.Run(() => session.RunAsync(stop.Token));
        try
        {
            var first = await NextAsync(turns);
            Assert.True(first.Deployed, string.Join('\n', lines));
            Assert.Equal("one", await CallAsync(first));

            await File.WriteAllTextAsync(functions, Source("two"));
            var edit = await NextAsync(turns);
            Assert.Equal("compile", edit.Path);
            Assert.True(edit.Deployed, string.Join('\n', edit.Errors));
            Assert.NotEqual(first.Version, edit.Version);
            Assert.Equal("two", await CallAsync(edit));

            await File.WriteAllTextAsync(functions, Source("two\" + missing + \""));
            var broken = await NextAsync(turns);
            Assert.False(broken.Deployed);
            var error = Assert.Single(broken.Errors);
            Assert.Matches(@"Functions\.cs\(\d+,\d+\): error CS0103: ", error);
            Assert.Equal("two", await CallAsync(edit));

            await File.WriteAllTextAsync(functions, Source("three"));
            var fixedTurn = await NextAsync(turns);
            Assert.True(fixedTurn.Deployed);
            Assert.Equal("three", await CallAsync(fixedTurn));

            var csproj = Path.Combine(project, "WatchApp.csproj");
            await File.WriteAllTextAsync(csproj, (await File.ReadAllTextAsync(csproj)).Replace("</KtService>", "</KtService><Description>changed</Description>", StringComparison.Ordinal));
            var published = await NextAsync(turns);
            Assert.Equal("publish", published.Path);
            Assert.True(published.Deployed, string.Join('\n', published.Errors));
            Assert.Equal("three", await CallAsync(published));
            lock (lines)
            {
                Assert.Contains(lines, l => l.Contains("WatchApp.csproj changed: that needs MSBuild", StringComparison.Ordinal));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            var definition = ProjectDefinitionFile.Read(Path.Combine(project, "obj", "Release", "net10.0", "kt.definition.json"), WorkflowErrors.DefinitionUnreadable);
            await TeardownWorkflow.TeardownAsync(definition, WorkflowOutput.Silent, CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_edit_in_a_referenced_library_is_compiled_in_process_and_served_and_a_surface_change_recompiles_the_app_too()
    {
        var service = $"watchlib-{Guid.NewGuid():N}"[..20];
        var project = _fixture.CreateConsoleProject("WatchRefApp", $"<KtService>{service}</KtService>",
            "<ProjectReference Include=\"../WatchLib/WatchLib.csproj\" />");
        var library = _fixture.Combine("WatchLib");
        Directory.CreateDirectory(library);
        await File.WriteAllTextAsync(Path.Combine(library, "WatchLib.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
            </Project>
            """);
        var words = Path.Combine(library, "Words.cs");
        await File.WriteAllTextAsync(words, LibrarySource("one", suffix: "."));
        await File.WriteAllTextAsync(Path.Combine(project, "Functions.cs"), """
            namespace WatchRefApp;

            public static class Functions
            {
                public static string Greet() => WatchLib.Words.Word() + WatchLib.Words.Suffix;
            }
            """);

        var turns = Channel.CreateUnbounded<WatchIteration>();
        var lines = new List<string>();
        var output = new WorkflowOutput(line => { lock (lines) { lines.Add(line); } }, _ => { });
        using var stop = new CancellationTokenSource();
        using var session = new WatchSession(new WatchOptions { Configuration = "Release", ProjectFile = Path.Combine(project, "WatchRefApp.csproj"), Environment = Environment }, output,
            t => turns.Writer.TryWrite(t));
        var run = Task.Run(() => session.RunAsync(stop.Token));
        try
        {
            var first = await NextAsync(turns);
            Assert.True(first.Deployed, string.Join('\n', lines));
            Assert.Equal("one.", await CallAsync(first, "WatchRefApp"));

            // A method body: only the library's assembly is emitted (its reference assembly is unchanged).
            await File.WriteAllTextAsync(words, LibrarySource("two", suffix: "."));
            var body = await NextAsync(turns);
            Assert.Equal("compile", body.Path);
            Assert.True(body.Deployed, string.Join('\n', body.Errors) + string.Join('\n', lines));
            Assert.Equal(["WatchLib.dll"], body.Emitted);
            Assert.Equal("two.", await CallAsync(body, "WatchRefApp"));

            // A constant is part of the surface (the app has its value compiled in): the app is emitted again too.
            await File.WriteAllTextAsync(words, LibrarySource("two", suffix: "!"));
            var surface = await NextAsync(turns);
            Assert.Equal("compile", surface.Path);
            Assert.True(surface.Deployed, string.Join('\n', surface.Errors));
            Assert.Equal(["WatchLib.dll", "WatchRefApp.dll"], surface.Emitted);
            Assert.Equal("two!", await CallAsync(surface, "WatchRefApp"));

            // An error in the library names the library's project; nothing is deployed.
            await File.WriteAllTextAsync(words, LibrarySource("two\" + missing + \"", suffix: "!"));
            var broken = await NextAsync(turns);
            Assert.False(broken.Deployed);
            Assert.Matches(@"Words\.cs\(\d+,\d+\): error CS0103: ", Assert.Single(broken.Errors));
            lock (lines)
            {
                Assert.Contains(lines, l => l.Contains("error CS0103", StringComparison.Ordinal) && l.EndsWith("WatchLib.csproj]", StringComparison.Ordinal));
            }

            Assert.Equal("two!", await CallAsync(surface, "WatchRefApp"));
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            var definition = ProjectDefinitionFile.Read(Path.Combine(project, "obj", "Release", "net10.0", "kt.definition.json"), WorkflowErrors.DefinitionUnreadable);
            await TeardownWorkflow.TeardownAsync(definition, WorkflowOutput.Silent, CancellationToken.None);
        }
    }

    /// <summary>The watch's own dotnet processes restore from the fixture's feed into its package folder, with no build servers left behind.</summary>
    private IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["NUGET_PACKAGES"] = _fixture.Combine("nuget-packages"),
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["UseSharedCompilation"] = "false",
    };

    private static string LibrarySource(string word, string suffix) => $$"""
        namespace WatchLib;

        public static class Words
        {
            public const string Suffix = "{{suffix}}";

            public static string Word() => "{{word}}";
        }
        """;

    private static string Source(string result) => $$"""
        namespace WatchApp;

        public static class Functions
        {
            public static string Greet() => "{{result}}";
        }
        """;

    private static async Task<WatchIteration> NextAsync(Channel<WatchIteration> turns)
    {
        using var timeout = new CancellationTokenSource(TurnTimeout);
        return await turns.Reader.ReadAsync(timeout.Token);
    }

    private static async Task<string?> CallAsync(WatchIteration turn, string ns = "WatchApp")
    {
        using var client = new PodClient(turn.Endpoint!, turn.Token!);
        return await client.CallAsync<string>(ns + ".Functions", "Greet");
    }
}
