using Kt.Core;

namespace Kt.Oci;

public sealed partial class RegistryClient
{
    /// <summary>How much of an error body a message quotes (and so how much of it is read).</summary>
    private const int SnippetChars = 300;

    /// <summary>
    /// Reads a response body (up to <paramref name="limit"/> bytes; more is KT2035) with every read bounded by the idle
    /// time and by the caller's token. Every body Kt reads goes through here, error bodies included: a registry that
    /// announces a body and stalls in it fails with KT2036 in seconds, and a push's own bound (KT2037) can end it.
    /// </summary>
    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, string what, int limit, bool stopAtLimit, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        // The caller owns the response; disposing it twice is harmless.
        await using var body = new IdleReadStream(stream, options.IdleTimeout, response);
        using var bytes = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return bytes.ToArray();
                }

                bytes.Write(buffer, 0, read);
                if (bytes.Length >= limit)
                {
                    return stopAtLimit
                        ? bytes.ToArray()
                        : throw new KtException(OciErrors.UnexpectedAnswer, $"The registry's answer to {what} is over {limit / 1048576.0:0.#} MiB; that is not a registry answer Kt reads.");
                }
            }
        }
        catch (RegistryBodyStalledException e)
        {
            throw new KtException(OciErrors.RegistryIdle, $"The registry answered HTTP {(int)response.StatusCode} to {what} and then {e.Message}; check that it is a registry and that it is healthy.", e);
        }
    }

    /// <summary>The start of an error body for a message (bounded like any body; a broken-off one quotes nothing).</summary>
    private async Task<string> ReadSnippetAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        try
        {
            // Enough bytes for the quoted characters even in multi-byte UTF-8; the rest of the body is never read.
            var bytes = await ReadBodyAsync(response, what, SnippetChars * 4, stopAtLimit: true, cancellationToken).ConfigureAwait(false);
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            return text.Length > SnippetChars ? text[..SnippetChars] + "…" : text.Trim();
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return string.Empty;
        }
    }

    private async Task<KtException> UnexpectedAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken) =>
        new(OciErrors.UnexpectedAnswer, $"Unexpected HTTP {(int)response.StatusCode} from the registry for {what}. {await ReadSnippetAsync(response, what, cancellationToken).ConfigureAwait(false)}".TrimEnd());
}
