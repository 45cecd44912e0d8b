using System.Text;

namespace Kt.Oci.Tests;

public class DockerConfigCredentialsTests
{
    [Fact]
    public void Auths_entries_are_read_by_host_whatever_form_the_key_has()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("config.json");
        var hub = Convert.ToBase64String(Encoding.UTF8.GetBytes("hubuser:hub:pass"));
        File.WriteAllText(config, "{\"auths\":{" +
            "\"https://index.docker.io/v1/\":{\"auth\":\"" + hub + "\"}," +
            "\"ghcr.io\":{\"username\":\"gh\",\"password\":\"token\"}," +
            "\"broken.example\":{\"auth\":\"not base64!\"}}}");

        var credentials = new DockerConfigCredentials(config);

        Assert.Equal(new RegistryCredential("hubuser", "hub:pass"), credentials.GetCredential("docker.io"));
        Assert.Equal(new RegistryCredential("gh", "token"), credentials.GetCredential("GHCR.io"));
        Assert.Null(credentials.GetCredential("broken.example"));
        Assert.Null(credentials.GetCredential("127.0.0.1:5000"));
        Assert.False(credentials.UsesCredentialHelper);
        Assert.DoesNotContain("hub:pass", credentials.GetCredential("docker.io")!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_config_file_means_anonymous_access()
    {
        var credentials = new DockerConfigCredentials("/nonexistent/kt/config.json");

        Assert.Null(credentials.GetCredential("docker.io"));
    }
}
