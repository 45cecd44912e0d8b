namespace Kt.TestSupport;

/// <summary>What real parts this machine offers; .ci/setup provides all of them, so CI runs every test.</summary>
public static class Environments
{
    public const string TestBaseImage = "kt-test/debian:bookworm";

    /// <summary>TestBaseImage plus libssl, libstdc++ and CA certificates: a base the docker backend can run .NET in.</summary>
    public const string DotnetReadyBaseImage = "kt-test/dotnet-deps:bookworm";

    public const string RegistryHost = "127.0.0.1:5000";

    /// <summary>The test base image as pushed to the local registry by .ci/setup.</summary>
    public const string RegistryBaseImage = RegistryHost + "/kt-test/debian:bookworm";

    /// <summary>DotnetReadyBaseImage as pushed to the local registry: a base for frozen service images.</summary>
    public const string RegistryDotnetReadyBaseImage = RegistryHost + "/kt-test/dotnet-deps:bookworm";

    public static bool HasRegistry
    {
        get
        {
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                return http.GetAsync($"http://{RegistryHost}/v2/").GetAwaiter().GetResult().IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }
    }

    public static bool HasDocker => File.Exists("/var/run/docker.sock") && Which("docker") is not null;

    public static string? Which(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Select(folder => System.IO.Path.Combine(folder, command))
            .FirstOrDefault(File.Exists);

    /// <summary>The repository root (the folder holding Kt.slnx), found from the test's base folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(System.IO.Path.Combine(folder.FullName, "Kt.slnx")))
            {
                folder = folder.Parent;
            }

            return folder?.FullName ?? throw new InvalidOperationException("Kt.slnx not found above " + AppContext.BaseDirectory);
        }
    }
}
