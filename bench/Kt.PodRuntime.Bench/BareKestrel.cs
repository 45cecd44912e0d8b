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
        await app.StartAsync();
        return (app, new Uri(app.Urls.First() + "/fn/Demo.Calc/Add"));
    }
}
