using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Bench;

/// <summary>The baseline: a bare Kestrel minimal API that parses the same body and returns the same JSON.</summary>
internal static class BareKestrel
{
    // Where the bare app's Hello prints its line: what Console.Out is to an app (a synchronized writer that flushes every
    // line with one write system call), on /dev/null, as the runtime's own output goes there in the bench.
    private static readonly TextWriter Log = TextWriter.Synchronized(
        new StreamWriter(new FileStream("/dev/null", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0)) { AutoFlush = true });

    /// <summary>
    /// The start-time baseline: this bench executable started again as a process that serves only the bare app and
    /// /health, so a fresh .NET + Kestrel start on this machine is measured the same way as the runtime's.
    /// </summary>
    public const string ServeVerb = "--bare-server";

    public static async Task ServeAsync(int port)
    {
        var (app, _) = await StartAsync(port);
        await app.WaitForShutdownAsync();
    }

    public static async Task<(WebApplication App, Uri Url)> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/health", () => "ok");
        app.MapPost("/fn/Demo.Calc/Add", async (HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            var args = document.RootElement.GetProperty("args");
            var sum = args[0].GetInt32() + args[1].GetInt32();
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(sum.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        app.MapPost("/fn/Demo.Calc/Hello", async (HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            var name = document.RootElement.GetProperty("args")[0].GetString();
            Log.WriteLine($"greeting {name} on {Environment.MachineName}");
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize("Hello " + name));
        });
        await app.StartAsync();
        return (app, new Uri(app.Urls.First() + "/fn/Demo.Calc/Add"));
    }
}
