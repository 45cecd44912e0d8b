using System.Net.Http.Headers;
using System.Threading.Channels;
using Kt.Core;
using Kt.PodRuntime.Client;
using Kt.Workflows;

namespace Kt.Watch.Tests;

/// <summary>
/// A <c>Remote.App</c> (an ASP.NET app the pod runs as its own process, reached through the pod's proxy) under
/// <c>kt watch</c>: requests go round in a loop while a handler's body is edited. The edit reaches the app's process as
/// an IL delta (Kt's startup hook applies it there): no request answers anything but 200, the new answer arrives, and the
/// handler's static counter goes on counting (the process was never restarted). Then a rude edit reloads the app whole:
/// the old process finishes its requests, new ones wait for the new process — still no 502.
/// </summary>
public sealed partial class DeltaTests
{
    [Fact]
    public async Task A_Remote_App_takes_a_handler_body_edit_in_place_and_no_request_sees_a_502()
    {
        var service = $"dlapp-{Guid.NewGuid():N}"[..20];
        var project = _fixture.CreateConsoleProject("DeltaWeb", $"<KtService>{service}</KtService>", """<FrameworkReference Include="Microsoft.AspNetCore.App" />""", under: "web");
        var handlers = Path.Combine(project, "Handlers.cs");
        await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Hosting;

            var builder = WebApplication.CreateSlimBuilder(args);
            builder.WebHost.UseUrls("http://127.0.0.1:" + Environment.GetEnvironmentVariable("PORT"));
            var app = builder.Build();
            app.MapGet("/hello", DeltaWeb.Handlers.Hello);
            app.Run();
            """);
        await File.WriteAllTextAsync(handlers, HandlersSource("\"one:\""));

        var turns = Channel.CreateUnbounded<WatchIteration>();
        var lines = new List<string>();
        var output = new WorkflowOutput(line => { lock (lines) { lines.Add(line); } }, _ => { });
        using var stop = new CancellationTokenSource();
        using var session = new WatchSession(new WatchOptions { ProjectFile = Path.Combine(project, "DeltaWeb.csproj"), Environment = Environment }, output,
            t => turns.Writer.TryWrite(t));
        var run = Task.Run(() => session.RunAsync(stop.Token));
        try
        {
            var first = await NextAsync(turns);
            Assert.True(first.Deployed, string.Join('\n', first.Errors) + Context(lines));
            var pod = first.Pods[0];
            using (var client = new PodClient(pod.Address, pod.Token))
            {
                // What Remote.App("dotnet DeltaWeb.dll", port).ToAsync does once the code is on the pod.
                await client.SetAppAsync("exec dotnet DeltaWeb.dll", LoopbackPort.Free());
            }

            using var http = new HttpClient { BaseAddress = new Uri(pod.Address, "/http/"), Timeout = TimeSpan.FromMinutes(1) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", pod.Token);
            var answers = new List<(int Status, string Body)>();
            using var loopStop = new CancellationTokenSource();
            var loop = Task.Run(async () =>
            {
                while (!loopStop.IsCancellationRequested)
                {
                    using var response = await http.GetAsync("hello", CancellationToken.None);
                    var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    lock (answers)
                    {
                        answers.Add(((int)response.StatusCode, text));
                    }
                }
            });

            async Task<(int Status, string Body)> AnswerAsync(Func<string, bool> wanted)
            {
                using var timeout = new CancellationTokenSource(TurnTimeout);
                while (true)
                {
                    lock (answers)
                    {
                        if (answers.Count > 0 && (answers[^1].Status != 200 || wanted(answers[^1].Body)))
                        {
                            return answers[^1];
                        }
                    }

                    await Task.Delay(10, timeout.Token); // the loop's next answer
                }
            }

            Assert.Equal(200, (await AnswerAsync(b => b.StartsWith("one:", StringComparison.Ordinal))).Status);
            await session.WarmedUp;

            // A handler's body: a delta, applied inside the app's own process.
            await File.WriteAllTextAsync(handlers, HandlersSource("\"two:\""));
            var body = await NextAsync(turns);
            Assert.True(body.Deployed, string.Join('\n', body.Errors) + Context(lines));
            Assert.Equal("delta", body.Path);
            Assert.Equal(200, (await AnswerAsync(b => b.StartsWith("two:", StringComparison.Ordinal))).Status);

            // A rude edit (a static field with an initializer) reloads the app whole; requests meanwhile are held, not refused.
            await session.EmittedBehindDeltas;
            await File.WriteAllTextAsync(handlers, HandlersSource("Word", "private static readonly string Word = \"three:\";"));
            var rude = await NextAsync(turns);
            Assert.True(rude.Deployed, string.Join('\n', rude.Errors) + Context(lines));
            Assert.Equal("compile", rude.Path);
            Assert.Equal(200, (await AnswerAsync(b => b.StartsWith("three:", StringComparison.Ordinal))).Status);
            await loopStop.CancelAsync();
            await loop;

            List<(int Status, string Body)> seen;
            lock (answers)
            {
                seen = [.. answers];
            }

            Assert.All(seen, a => Assert.True(a.Status == 200, $"the proxy answered {a.Status} ({a.Body}) during the edits"));
            // The delta kept the process: its counter went on across the edit (one:1 … one:k, two:k+1 …); the reload
            // started a fresh process (three:1).
            var counts = seen.Where(a => !a.Body.StartsWith("three:", StringComparison.Ordinal)).Select(a => int.Parse(a.Body.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(1, counts.Count), counts);
            Assert.Equal("three:1", seen.First(a => a.Body.StartsWith("three:", StringComparison.Ordinal)).Body);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            var definition = ProjectDefinitionFile.Read(Path.Combine(project, "obj", "Debug", "net10.0", "kt.definition.json"), WorkflowErrors.DefinitionUnreadable);
            await TeardownWorkflow.TeardownAsync(definition, WorkflowOutput.Silent, CancellationToken.None);
        }
    }

    private static string HandlersSource(string word, string field = "") => $$"""
        namespace DeltaWeb;

        public static class Handlers
        {
            private static int s_calls;
            {{field}}

            public static string Hello()
            {
                s_calls++;
                return {{word}} + s_calls;
            }
        }
        """;

}
