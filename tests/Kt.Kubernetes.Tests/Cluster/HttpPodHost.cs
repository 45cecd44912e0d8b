using System.Net;
using Kt.FakeKubeApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kt.Kubernetes.Tests.Cluster;

/// <summary>
/// Containers for the fake API server's pods: each pod is a real Kestrel app on loopback (HTTP/1.1 keep-alive) that
/// answers the runtime's readiness path and <c>/echo?text=</c> with the pod's name.
/// </summary>
internal sealed class HttpPodHost : IPodHost
{
    private readonly Dictionary<string, HttpPod> _pods = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public HttpPod this[string name]
    {
        get
        {
            lock (_gate)
            {
                return _pods[name];
            }
        }
    }

    public async Task<IPodProcess> StartAsync(PodLaunch launch, CancellationToken cancellationToken)
    {
        var pod = await HttpPod.StartAsync(launch.Name, launch.Environment).ConfigureAwait(false);
        lock (_gate)
        {
            _pods[launch.Name] = pod;
        }

        return pod;
    }

    internal sealed class HttpPod : IPodProcess
    {
        private readonly WebApplication _app;

        private HttpPod(WebApplication app, IReadOnlyDictionary<string, string> environment)
        {
            _app = app;
            Environment = environment;
        }

        public IReadOnlyDictionary<string, string> Environment { get; }

        public int Port { get; private set; }

        public bool HasExited => false;

        public static async Task<HttpPod> StartAsync(string name, IReadOnlyDictionary<string, string> environment)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.MapGet("/health/ready", () => "ready");
            app.MapGet("/health", () => "ok");
            app.MapGet("/echo", (string text) => $"{name}:{text}");
            var pod = new HttpPod(app, environment);
            await app.StartAsync().ConfigureAwait(false);
            pod.Port = new Uri(app.Urls.First()).Port;
            return pod;
        }

        public int PortFor(int containerPort) => Port;

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
