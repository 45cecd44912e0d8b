using System.Collections;
using Kt.PodRuntime.Hosting;

namespace Kt.PodRuntime.Tests;

/// <summary>The launch record's one writer and the runtime's one reader agree on every option.</summary>
public sealed class RuntimeLaunchTests
{
    [Fact]
    public void Every_option_written_reads_back_the_same_and_reaches_the_runtime_options()
    {
        using var temp = new TempRoot();
        var tokenFile = Path.Combine(temp.Path, "token");
        File.WriteAllText(tokenFile, "secret\n");
        var launch = new RuntimeLaunch
        {
            Port = 9100, Bind = "127.0.0.1", Root = temp.Path, TokenFile = tokenFile, PortFile = Path.Combine(temp.Path, "port"),
            FrozenApp = Path.Combine(temp.Path, "app"), FrozenVersion = "v7", Service = "svc", PodName = "svc-2", WorldSize = 4, Rank = 2,
            LocalRank = 1, NodeRank = 3, MasterAddr = "svc-0", MasterPort = 29501, Peer = "http://svc:32300/", SetupEpoch = "5",
            AppCommand = "dotnet App.dll", AppPort = 8080, MaxBlobBytes = 1L << 20, MaxGenerations = 9, KeepVersions = 2, BlobGraceSeconds = 60,
            MaxBodyBytesInFlight = 1L << 21, MaxManifestEntries = 500, CancelGraceSeconds = 4,
        };

        var line = launch.Write();
        Assert.Equal(launch, RuntimeLaunch.Parse(line.Arguments, new Hashtable(line.Environment.ToDictionary())));
        var commandLine = launch.Write(LaunchStyle.CommandLine);
        Assert.Empty(commandLine.Environment);
        Assert.Equal(launch, RuntimeLaunch.Parse(commandLine.Arguments, new Hashtable()));
        Assert.All(line.Arguments.Where((_, i) => i % 2 == 0), a => Assert.StartsWith("--", a, StringComparison.Ordinal));

        var options = RuntimeOptions.Parse(line.Arguments, new Hashtable(line.Environment.ToDictionary()));
        Assert.Equal(
            (9100, "127.0.0.1", temp.Path, "secret", launch.PortFile, launch.FrozenApp, "v7", "svc", "svc-2", 4, 2, 1, 3, "svc-0", 29501),
            (options.Port, options.BindAddress, options.Root, options.Token, options.PortFile, options.FrozenApp, options.FrozenVersion, options.Service,
                options.PodName, options.WorldSize, options.Rank, options.LocalRank, options.NodeRank, options.MasterAddr, options.MasterPort));
        Assert.Equal(
            (new Uri("http://svc:32300/"), "5", "dotnet App.dll", (int?)8080, 1L << 20, 9, 2, TimeSpan.FromSeconds(60)),
            (options.PeerUrl, options.SetupEpoch, options.AppCommand, options.AppPort, options.MaxBlobBytes, options.MaxGenerations, options.KeepVersions, options.BlobGrace));
        Assert.Equal((1L << 21, 500, TimeSpan.FromSeconds(4)), (options.MaxBodyBytesInFlight, options.MaxManifestEntries, options.CancelGrace));
    }

    [Fact]
    public void An_empty_launch_writes_nothing_and_the_runtime_keeps_its_defaults()
    {
        var line = new RuntimeLaunch().Write();
        Assert.Empty(line.Arguments);
        Assert.Empty(line.Environment);
        Assert.Equal(new RuntimeLaunch(), RuntimeLaunch.Parse([], new Hashtable()));
    }
}
