using Kt.Core;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;

namespace Kt.Kubernetes.Tests;

public class ComputeValidationTests
{
    private static string CodeOf(Compute compute) =>
        Assert.Throws<KtException>(() => ManifestRenderer.Render(compute, Samples.Context())).Code;

    [Fact]
    public void Autoscale_together_with_distribute_is_an_error()
    {
        var compute = Samples.Cpu() with { Autoscale = new Autoscale(Max: 3), Distribute = Distribute.Of("spmd", 2) };
        var error = Assert.Throws<KtException>(() => ComputeValidator.Validate(compute));
        Assert.Equal("KT5001", error.Code);
        Assert.Contains("hello", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hello")]
    [InlineData("1hello")]
    [InlineData("hello_world")]
    [InlineData("hello-")]
    [InlineData("a-name-that-is-far-too-long-for-a-kubernetes-service-name-really-yes")]
    [InlineData("a-name-of-forty-one-characters-is-too-lon")]
    public void Service_names_follow_the_one_rule_of_every_backend(string name) => Assert.Equal(ServiceNames.InvalidCode, CodeOf(Samples.Cpu(name)));

    [Theory]
    [InlineData("My.App", "my-app")]
    [InlineData("1Tool", "kt-1tool")]
    [InlineData("___", "kt")]
    [InlineData("A.Very.Long.Assembly.Name.That.Goes.On.And.On", "a-very-long-assembly-name-that-goes-on-a")]
    public void A_name_derived_from_an_assembly_keeps_the_rule(string assembly, string service)
    {
        Assert.Equal(service, ServiceNames.FromAssemblyName(assembly));
        Assert.True(ServiceNames.IsValid(service));
        Assert.Equal(ServiceNames.MaxLength, ServiceNames.Check(new string('a', ServiceNames.MaxLength)).Length);
    }

    [Fact]
    public void Namespaces_secret_and_claim_names_must_be_dns_names()
    {
        Assert.Equal("KT5002", CodeOf(Samples.Cpu() with { Namespace = "Team_A" }));
        Assert.Equal("KT5002", CodeOf(Samples.Cpu() with { Secrets = [new SecretMount("My Secret")] }));
        Assert.Equal("KT5002", CodeOf(Samples.Cpu() with { Volumes = [new PvcVolume("data/1", "/data")] }));
    }

    [Theory]
    [InlineData("two")]
    [InlineData("1.5 Gi")]
    [InlineData("1GB")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("0e3")]
    public void Memory_must_be_a_positive_quantity(string memory) => Assert.Equal("KT5003", CodeOf(Samples.Cpu() with { Memory = memory }));

    [Theory]
    [InlineData("500m", true)]
    [InlineData("2", true)]
    [InlineData("0.5", true)]
    [InlineData("1.5Gi", true)]
    [InlineData("1e3", true)]
    [InlineData("2k", true)]
    [InlineData("1KB", false)]
    [InlineData("m", false)]
    public void Quantity_syntax_follows_kubernetes(string value, bool valid) => Assert.Equal(valid, KubernetesSyntax.IsPositiveQuantity(value));

    [Fact]
    public void Cpus_disk_limits_and_shared_memory_are_checked_as_quantities()
    {
        Assert.Equal("KT5003", CodeOf(Samples.Cpu() with { Cpus = "2 cores" }));
        Assert.Equal("KT5003", CodeOf(Samples.Cpu() with { Disk = "lots" }));
        Assert.Equal("KT5003", CodeOf(Samples.Cpu() with { CpusLimit = "-2" }));
        Assert.Equal("KT5003", CodeOf(Samples.Cpu() with { SharedMemorySize = "big" }));
    }

    [Fact]
    public void Zero_or_negative_counts_and_durations_are_rejected()
    {
        Assert.Equal("KT5004", CodeOf(Samples.Cpu() with { Replicas = 0 }));
        Assert.Equal("KT5004", CodeOf(Samples.Cpu() with { Gpus = -1 }));
        Assert.Equal("KT5004", CodeOf(Samples.Cpu() with { Port = 0 }));
        Assert.Equal("KT5004", CodeOf(Samples.Cpu() with { LaunchTimeout = TimeSpan.Zero }));
        Assert.Equal("KT5004", CodeOf(Samples.Cpu() with { InactivityTtl = TimeSpan.FromSeconds(-1) }));
        Assert.Equal("KT5004", CodeOf(Samples.Cpu() with { Distribute = Distribute.Of("ray", 0) }));
        Assert.Equal("KT5004", CodeOf(Samples.Cpu() with { GpuType = "NVIDIA-L4" }));
    }

    [Fact]
    public void Autoscale_values_are_checked()
    {
        Assert.Equal("KT5004", CodeOf(Samples.Cpu() with { Autoscale = new Autoscale(Min: -1) }));
        Assert.Equal("KT5005", CodeOf(Samples.Cpu() with { Autoscale = new Autoscale(Min: 5, Max: 2) }));
        Assert.Equal("KT5005", CodeOf(Samples.Cpu() with { Autoscale = new Autoscale(Target: 0) }));
        Assert.Equal("KT5005", CodeOf(Samples.Cpu() with { Autoscale = new Autoscale(Metric: "latency") }));
        Assert.Equal("KT5005", CodeOf(Samples.Cpu() with { Autoscale = new Autoscale(Window: TimeSpan.FromSeconds(2)) }));
        Assert.Equal("KT5004", CodeOf(Samples.Cpu() with { Autoscale = new Autoscale(TargetUtilization: 150) }));
        Assert.Equal("KT5005", CodeOf(Samples.Cpu() with { Autoscale = new Autoscale(ScaleDownDelay: TimeSpan.FromHours(2)) }));
    }

    [Fact]
    public void Labels_and_mount_paths_are_checked()
    {
        Assert.Equal("KT5006", CodeOf(Samples.Cpu() with { Labels = new Dictionary<string, string> { ["team"] = "a b" } }));
        Assert.Equal("KT5006", CodeOf(Samples.Cpu() with { QueueName = "queue/with/slashes" }));
        Assert.Equal("KT5012", CodeOf(Samples.Cpu() with { Volumes = [new PvcVolume("data", "relative/path")] }));
    }

    [Fact]
    public void Unknown_distribution_kinds_are_rejected() =>
        Assert.Equal("KT5010", Assert.Throws<KtException>(() => Distribute.Of("mpi", 2)).Code);
}
