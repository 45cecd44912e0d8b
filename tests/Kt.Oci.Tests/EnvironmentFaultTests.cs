using Kt.Core;

namespace Kt.Oci.Tests;

/// <summary>
/// Issue 22 ("smaller"): the machine's own faults, met by real Kt operations, are classified with their own codes
/// (KT9xxx) — what the MSBuild tasks, <c>kt</c> and the pod report instead of KT6011 "a bug in Kt" / KT4099.
/// </summary>
public sealed class EnvironmentFaultTests
{
    [Fact]
    public async Task A_cache_folder_that_is_a_file_is_KT9003()
    {
        using var temp = new TempDirectory();
        var cache = Path.Combine(temp.Path, "cache");
        File.WriteAllText(cache, "a file where the cache folder should be");

        var error = await Record.ExceptionAsync(() => SampleImages.BuildAsync(new BlobCache(cache)));

        Assert.NotNull(error);
        Assert.True(EnvironmentFaults.Classify(error)?.Code == EnvironmentFaults.WrongKindOfPath, $"{error.GetType()} (HResult {error.HResult}): {error.Message}");
    }

    [Fact]
    public async Task A_layout_path_that_cannot_be_written_is_KT9001()
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Path));

        // Not even root may create a folder in /sys (EPERM), so this holds whoever runs the tests.
        var error = await Record.ExceptionAsync(() => OciLayoutWriter.WriteAsync(image, $"/sys/kt-layout-{Guid.NewGuid():N}", "app:1"));

        var fault = EnvironmentFaults.Classify(error!);
        Assert.Equal(EnvironmentFaults.NotWritable, fault?.Code);
        Assert.Contains("kt-layout-", fault!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_disk_is_KT9002()
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Path));

        // /dev/full answers every write with ENOSPC, as a full disk does.
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            await ImageTarballWriter.WriteAsync(image, full, []);
            await full.FlushAsync();
        });

        Assert.Equal(EnvironmentFaults.DiskFull, EnvironmentFaults.Classify(error!)?.Code);
    }
}
