using System.Text;

namespace Kt.Oci.Tests;

/// <summary>Small images built from scratch for output and registry tests.</summary>
public static class SampleImages
{
    /// <summary>Longer than ustar's 100-byte name field, so the GNU long-name record is exercised by every checker.</summary>
    public static readonly string LongFileName = new string('n', 120) + ".txt";

    public static async Task<OciImage> BuildAsync(BlobCache cache, string appText = "hello from kt\n", string? marker = null)
    {
        var tools = await new LayerBuilder()
            .AddBytes("usr/local/bin/greet", Encoding.UTF8.GetBytes("#!/bin/sh\necho greet\n"), executable: true)
            .AddBytes("etc/kt/readme.txt", "read me\n"u8.ToArray())
            .AddBytes("usr/share/kt/" + LongFileName, "long\n"u8.ToArray())
            .BuildAsync(cache);
        var app = await new LayerBuilder()
            .AddBytes("app/message.txt", Encoding.UTF8.GetBytes(appText))
            .AddBytes("app/marker.txt", Encoding.UTF8.GetBytes(marker ?? Guid.NewGuid().ToString("N")))
            .AddSymlink("app/current", "message.txt")
            .BuildAsync(cache);

        return ImageAssembler.Assemble(
            OciImage.Empty(),
            [
                ImageStep.ForLayer(tools, "kt: tools", "step-key-tools"),
                ImageStep.MetadataOnly("kt: env", "step-key-env"),
                ImageStep.ForLayer(app, "kt: app", "step-key-app"),
            ],
            new ImageSettings
            {
                Environment = [new("KT_MODE", "test"), new("PATH", "/usr/local/bin:/usr/bin:/bin")],
                Entrypoint = ["/usr/local/bin/greet"],
                WorkingDirectory = "/app",
                User = "1000",
                Labels = new Dictionary<string, string> { ["kt.test"] = "yes" },
                ExposedPorts = ["8080"],
                Source = "https://example.com/repo",
                Revision = "abc123",
                Title = "kt-oci-sample",
            });
    }
}
