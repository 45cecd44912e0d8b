using System.Net;
using System.Text;
using Kt.Core;

namespace Kt.Oci.Tests;

/// <summary>Registry failure modes, played by a loopback HTTP server.</summary>
public class RegistryErrorTests
{
    private static readonly byte[] ManifestBytes = OciJson.Serialize(new ImageManifest
    {
        Config = new Descriptor(MediaTypes.OciConfig, Digest.Compute("{}"u8), 2),
    }).Bytes.ToArray();

    private static RegistryClient NewClient(ICredentialProvider? credentials = null) => new(new RegistryClientOptions
    {
        Credentials = credentials ?? NoCredentials.Instance,
        MaxRetries = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        ChunkSize = 1000,
    });

    [Fact]
    public async Task A_401_without_credentials_is_KT2030_naming_the_registry()
    {
        using var server = new LoopbackServer(context =>
        {
            context.Response.AddHeader("WWW-Authenticate", "Basic realm=\"kt\"");
            return LoopbackServer.RespondAsync(context, 401);
        });
        using var client = NewClient();

        var error = await Assert.ThrowsAsync<KtException>(() => client.GetManifestAsync(ImageReference.Parse($"{server.Registry}/app:1")));

        Assert.Equal("KT2030", error.Code);
        Assert.Contains(server.Registry, error.Message, StringComparison.Ordinal);
        Assert.Contains("credentials are missing or wrong", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bearer_challenge_gets_a_token_with_docker_config_credentials()
    {
        using var temp = new TempDirectory();
        string? realm = null;
        using var server = new LoopbackServer(context =>
        {
            var path = context.Request.Url!.AbsolutePath;
            if (path == "/token")
            {
                var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("kt-user:s3cret"));
                var scope = context.Request.QueryString["scope"];
                return context.Request.Headers["Authorization"] == expected && scope == "repository:team/app:pull" && context.Request.QueryString["service"] == "fake"
                    ? LoopbackServer.RespondAsync(context, 200, "{\"token\":\"t0k3n\"}"u8.ToArray(), "application/json")
                    : LoopbackServer.RespondAsync(context, 401);
            }

            if (context.Request.Headers["Authorization"] != "Bearer t0k3n")
            {
                context.Response.AddHeader("WWW-Authenticate", $"Bearer realm=\"{realm}\",service=\"fake\",scope=\"repository:team/app:pull\"");
                return LoopbackServer.RespondAsync(context, 401);
            }

            return LoopbackServer.RespondAsync(context, 200, ManifestBytes, MediaTypes.OciManifest);
        });
        realm = $"http://{server.Registry}/token";
        var config = temp.Combine("config.json");
        File.WriteAllText(config, "{\"auths\":{\"http://" + server.Registry + "/v1/\":{\"auth\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes("kt-user:s3cret")) + "\"}}}");
        using var client = NewClient(new DockerConfigCredentials(config));

        var manifest = await client.GetManifestAsync(ImageReference.Parse($"{server.Registry}/team/app:1"));
        var second = await client.GetManifestAsync(ImageReference.Parse($"{server.Registry}/team/app:1"));

        Assert.Equal(Digest.Compute(ManifestBytes), manifest.Digest);
        Assert.Equal(manifest.Digest, second.Digest);
        Assert.Single(server.Requests, r => r.StartsWith("GET /token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_credentials_at_the_token_service_are_KT2030()
    {
        using var temp = new TempDirectory();
        string? realm = null;
        using var server = new LoopbackServer(context =>
        {
            if (context.Request.Url!.AbsolutePath == "/token")
            {
                return LoopbackServer.RespondAsync(context, 401);
            }

            context.Response.AddHeader("WWW-Authenticate", $"Bearer realm=\"{realm}\",service=\"fake\"");
            return LoopbackServer.RespondAsync(context, 401);
        });
        realm = $"http://{server.Registry}/token";
        var config = temp.Combine("config.json");
        File.WriteAllText(config, "{\"auths\":{\"" + server.Registry + "\":{\"username\":\"kt\",\"password\":\"wrong\"}},\"credsStore\":\"desktop\"}");
        using var client = NewClient(new DockerConfigCredentials(config));

        var error = await Assert.ThrowsAsync<KtException>(() => client.GetManifestAsync(ImageReference.Parse($"{server.Registry}/app:1")));

        Assert.Equal("KT2030", error.Code);
        Assert.Contains("credential helpers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transient_500s_are_retried_until_success()
    {
        var calls = 0;
        using var server = new LoopbackServer(context => Interlocked.Increment(ref calls) <= 2
            ? LoopbackServer.RespondAsync(context, 503)
            : LoopbackServer.RespondAsync(context, 200, ManifestBytes, MediaTypes.OciManifest));
        using var client = NewClient();

        var manifest = await client.GetManifestAsync(ImageReference.Parse($"{server.Registry}/app:1"));

        Assert.Equal(Digest.Compute(ManifestBytes), manifest.Digest);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_registry_that_keeps_failing_is_KT2031_after_a_bounded_number_of_attempts()
    {
        var calls = 0;
        using var server = new LoopbackServer(context =>
        {
            Interlocked.Increment(ref calls);
            return LoopbackServer.RespondAsync(context, 500, "boom"u8.ToArray());
        });
        using var client = NewClient();

        var error = await Assert.ThrowsAsync<KtException>(() => client.GetManifestAsync(ImageReference.Parse($"{server.Registry}/app:1")));

        Assert.Equal("KT2031", error.Code);
        Assert.Contains("HTTP 500", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, calls);
    }

    [Fact]
    public async Task A_blob_with_wrong_content_is_KT2020_and_nothing_is_cached()
    {
        using var temp = new TempDirectory();
        var expected = Digest.Compute("the real bytes"u8);
        using var server = new LoopbackServer(context => LoopbackServer.RespondAsync(context, 200, "tampered bytes"u8.ToArray(), "application/octet-stream"));
        using var client = NewClient();
        var cache = new BlobCache(temp.Path);

        var error = await Assert.ThrowsAsync<KtException>(() =>
            client.PullBlobAsync(ImageReference.Parse($"{server.Registry}/app:1"), new Descriptor(MediaTypes.OciLayerGzip, expected, 14), cache));

        Assert.Equal("KT2020", error.Code);
        Assert.Empty(Directory.GetFileSystemEntries(cache.BlobDirectory));
    }

    [Fact]
    public async Task A_refused_monolithic_upload_falls_back_to_chunked_patches()
    {
        var blob = Enumerable.Range(0, 2500).Select(i => (byte)i).ToArray();
        var digest = Digest.Compute(blob);
        using var received = new MemoryStream();
        using var server = new LoopbackServer(async context =>
        {
            var request = context.Request;
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            switch (request.HttpMethod)
            {
                case "POST":
                    context.Response.AddHeader("Location", "/v2/app/blobs/uploads/session-1?state=x");
                    await LoopbackServer.RespondAsync(context, 202);
                    break;
                case "PUT" when body.Length > 0:
                    await LoopbackServer.RespondAsync(context, 405);
                    break;
                case "PATCH":
                    lock (received)
                    {
                        received.Write(body.ToArray());
                    }

                    context.Response.AddHeader("Location", "/v2/app/blobs/uploads/session-1?state=y");
                    await LoopbackServer.RespondAsync(context, 202);
                    break;
                case "PUT":
                    var ok = request.QueryString["digest"] == digest.ToString() && Digest.Compute(received.ToArray()) == digest;
                    await LoopbackServer.RespondAsync(context, ok ? 201 : 400);
                    break;
                default:
                    await LoopbackServer.RespondAsync(context, 404);
                    break;
            }
        });
        using var client = NewClient();

        await client.UploadBlobAsync(ImageReference.Parse($"{server.Registry}/app:1"), new Descriptor(MediaTypes.OciLayerGzip, digest, blob.Length),
            _ => Task.FromResult<Stream>(new MemoryStream(blob)));

        Assert.Equal(blob, received.ToArray());
        Assert.Equal(3, server.Requests.Count(r => r.StartsWith("PATCH", StringComparison.Ordinal)));
        Assert.Equal(blob.Length * 2, client.BytesUploaded);
    }

    [Fact]
    public async Task An_unreachable_registry_is_KT2032()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var client = NewClient();

        var error = await Assert.ThrowsAsync<KtException>(() => client.PingAsync($"127.0.0.1:{port}"));

        Assert.Equal("KT2032", error.Code);
    }
}
