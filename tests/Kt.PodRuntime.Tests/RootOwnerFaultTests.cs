using System.Globalization;
using System.Text.Json;

namespace Kt.PodRuntime.Tests;

/// <summary>
/// Issue 22, item 5 (the runtime's side): a live pod's root has one runtime. Before, any number of runtimes served one
/// root, sharing its journal, versions and blobs.
/// </summary>
public sealed class RootOwnerFaultTests
{
    [Fact]
    public async Task A_second_runtime_on_a_locked_root_refuses_with_KT4053_and_the_owner_keeps_serving()
    {
        using var temp = new TempRoot();
        var root = Path.Combine(temp.Path, "root");
        await using var owner = await RuntimeProcess.StartAsync(root);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => RuntimeProcess.StartListeningAsync(root));

        Assert.Contains("(exit: 2)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("KT4053", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"process {owner.ProcessId.ToString(CultureInfo.InvariantCulture)}", refused.Message, StringComparison.Ordinal);
        Assert.True(await owner.Client.IsReadyAsync());
        // The owner names itself in its root, so whoever lost track of it finds it there.
        using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, ".kt-runtime.owner")));
        Assert.Equal((owner.ProcessId, owner.Port), (record.RootElement.GetProperty("pid").GetInt32(), record.RootElement.GetProperty("port").GetInt32()));
    }

    [Fact]
    public async Task A_root_whose_runtime_was_killed_serves_a_new_one()
    {
        using var temp = new TempRoot();
        var root = Path.Combine(temp.Path, "root");
        await using (var first = await RuntimeProcess.StartAsync(root))
        {
            first.Kill();
        }

        await using var second = await RuntimeProcess.StartAsync(root);
        Assert.True(await second.Client.IsReadyAsync());
    }
}
