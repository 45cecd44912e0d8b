using System.Security.Cryptography;

namespace Kt.DevLoop.Backends;

/// <summary>A service's bearer token: 256 random bits in a file that only this user can read, created once and reused.</summary>
internal static class ServiceToken
{
    public static string ReadOrCreate(string file)
    {
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var temp = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(temp, options)))
        {
            writer.Write(token);
        }

        File.Move(temp, file, overwrite: true);
        return token;
    }

    /// <summary>True when the pod at the endpoint answers /health with its own name (not some other process on a reused port).</summary>
    public static async Task<bool> AnswersAsync(PodEndpoint endpoint, CancellationToken cancellationToken)
    {
        using var client = new Kt.PodRuntime.Client.PodClient(endpoint.Address, endpoint.Token);
        return (await client.GetIdentityAsync(cancellationToken).ConfigureAwait(false))?.Pod == endpoint.Name;
    }
}
