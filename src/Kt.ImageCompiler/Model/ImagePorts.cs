using Kt.Core;

namespace Kt.ImageCompiler.Model;

/// <summary>Exposed ports as the OCI config names them: <c>8080/tcp</c> (a Dockerfile's EXPOSE, the SDK's ContainerPort).</summary>
public static class ImagePorts
{
    /// <param name="port">8080, 8080/tcp, 53/udp (or the protocol given separately).</param>
    /// <param name="origin">Where it was declared, for the error.</param>
    public static string Normalize(string port, string? protocol, string origin)
    {
        var text = port.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var number = slash < 0 ? text : text[..slash];
        var kind = (slash < 0 ? (string.IsNullOrWhiteSpace(protocol) ? "tcp" : protocol) : text[(slash + 1)..]).Trim().ToLowerInvariant();
        if (!int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || value is < 1 or > 65535 || kind is not ("tcp" or "udp" or "sctp"))
        {
            throw new KtException(ImageErrors.InvalidPort, $"{origin}: '{port}' is not a port (1-65535, optionally /tcp, /udp or /sctp).");
        }

        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value}/{kind}");
    }
}
