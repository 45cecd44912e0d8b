using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// A client for the OCI distribution API (<c>/v2/</c>) over <see cref="HttpClient"/>: anonymous, Basic and Bearer-token
/// authentication (from <c>WWW-Authenticate</c> challenges), bounded retries with backoff on transient failures,
/// plain HTTP only for loopback registries. Thread-safe; one instance can serve many parallel transfers.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    private readonly HttpClient http;
    private readonly RegistryClientOptions options;
    private readonly ICredentialProvider credentials;
    private readonly ConcurrentDictionary<string, AuthenticationHeaderValue> authorizations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Registry, Digest Digest), string> knownRepositories = new();
    private long bytesUploaded;

    public RegistryClient(RegistryClientOptions? options = null, HttpMessageHandler? handler = null)
    {
        this.options = options ?? new RegistryClientOptions();
        credentials = this.options.Credentials ?? new DockerConfigCredentials();
        http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = this.options.RequestTimeout;
        http.DefaultRequestHeaders.UserAgent.ParseAdd(this.options.UserAgent);
    }

    /// <summary>Blob bytes sent to registries by this client so far (request bodies of uploads, retries included).</summary>
    public long BytesUploaded => Interlocked.Read(ref bytesUploaded);

    public RegistryClientOptions Options => options;

    /// <summary>Checks that the registry answers the distribution API (authenticating if it asks to).</summary>
    public async Task PingAsync(string registry, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(registry, [], _ => Task.FromResult(new HttpRequestMessage(HttpMethod.Get, BaseUri(registry))), $"registry {registry}", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await UnexpectedAsync(response, $"ping of registry {registry}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Notes that a repository holds a blob, so a later push to another repository of the registry can mount it.</summary>
    public void RememberBlobLocation(ImageReference repository, Digest digest)
    {
        ArgumentNullException.ThrowIfNull(repository);
        knownRepositories[(repository.Registry, digest)] = repository.Repository;
    }

    /// <summary>A repository of <paramref name="registry"/> known to hold <paramref name="digest"/>, or null.</summary>
    public string? KnownRepositoryFor(string registry, Digest digest) => knownRepositories.GetValueOrDefault((registry, digest));

    public void Dispose() => http.Dispose();

    internal static Uri BaseUri(string registry) => new($"{(ImageReference.IsLoopbackRegistry(registry) ? "http" : "https")}://{HostOf(registry)}/v2/");

    internal static Uri RepositoryUri(ImageReference repository, string relative) => new(BaseUri(repository.Registry), $"{repository.Repository}/{relative}");

    internal static string PullScope(ImageReference repository) => $"repository:{repository.Repository}:pull";

    internal static string PushScope(ImageReference repository) => $"repository:{repository.Repository}:pull,push";

    private static string HostOf(string registry) => registry == ImageReference.DockerHub ? "registry-1.docker.io" : registry;

    /// <summary>
    /// Sends a request made by <paramref name="create"/> (called again for every attempt), authenticating on a 401
    /// challenge and retrying transient failures. Returns any other response to the caller, who checks its status.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(
        string registry, string[] scopes, Func<CancellationToken, Task<HttpRequestMessage>> create, string what, CancellationToken cancellationToken)
    {
        var authKey = registry + " " + string.Join(' ', scopes);
        var authenticated = false;
        var idleFailures = 0;
        for (var attempt = 0; ; attempt++)
        {
            using var request = await create(cancellationToken).ConfigureAwait(false);
            if (authorizations.TryGetValue(authKey, out var authorization))
            {
                request.Headers.Authorization = authorization;
            }

            HttpResponseMessage response;
            using (var idle = new IdleWatch(options.IdleTimeout, cancellationToken))
            {
                try
                {
                    response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (idle.CheckExpired(cancellationToken))
                {
                    idleFailures++;
                    if (idleFailures > options.MaxIdleRetries)
                    {
                        throw new KtException(OciErrors.RegistryIdle, $"Registry {registry} accepted the connection but sent nothing for {options.IdleTimeout.TotalSeconds:0.#} s during {what} ({idleFailures} attempts); check that it is a registry and that it is healthy.", e);
                    }

                    options.Progress?.Invoke($"registry {registry}: no answer for {options.IdleTimeout.TotalSeconds:0.#} s during {what}; retrying");
                    await DelayAsync(attempt, null, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (Exception e) when (e is HttpRequestException or IOException || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    if (attempt >= options.MaxRetries)
                    {
                        throw new KtException(OciErrors.RegistryUnreachable, $"Registry {registry} could not be reached for {what} after {attempt + 1} attempts: {e.Message}", e);
                    }

                    options.Progress?.Invoke($"registry {registry}: {e.Message} during {what}; retrying");
                    await DelayAsync(attempt, null, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.Unauthorized && !authenticated)
            {
                var challenge = AuthChallenge.From(response);
                response.Dispose();
                if (challenge is null)
                {
                    throw AccessDenied(registry, what, 401, "it sent no usable WWW-Authenticate challenge");
                }

                authorizations[authKey] = await AuthenticateAsync(registry, challenge, scopes, what, cancellationToken).ConfigureAwait(false);
                authenticated = true;
                attempt--;
                continue;
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                response.Dispose();
                throw AccessDenied(registry, what, status, null);
            }

            if (status >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                if (attempt >= options.MaxRetries)
                {
                    var body = await ReadSnippetAsync(response, what, cancellationToken).ConfigureAwait(false);
                    response.Dispose();
                    throw new KtException(OciErrors.RegistryFailing, $"Registry {registry} kept failing {what}: HTTP {status} after {attempt + 1} attempts. {body}".TrimEnd());
                }

                var retryAfter = response.Headers.RetryAfter?.Delta;
                response.Dispose();
                await DelayAsync(attempt, retryAfter, cancellationToken).ConfigureAwait(false);
                continue;
            }

            return response;
        }
    }

    private async Task<AuthenticationHeaderValue> AuthenticateAsync(string registry, AuthChallenge challenge, string[] scopes, string what, CancellationToken cancellationToken)
    {
        var credential = credentials.GetCredential(registry);
        AuthenticationHeaderValue? basic = credential is null
            ? null
            : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return basic ?? throw AccessDenied(registry, what, 401, "it requires a user name and password and none is configured");
        }

        if (challenge.Realm is null || !Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm))
        {
            throw AccessDenied(registry, what, 401, "its Bearer challenge has no valid realm");
        }

        var query = new List<string>();
        if (challenge.Service is { } service)
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        var scopeList = scopes.Length > 0 ? scopes : challenge.Parameters.TryGetValue("scope", out var challenged) ? [challenged] : [];
        query.AddRange(scopeList.Select(s => "scope=" + Uri.EscapeDataString(s)));
        var tokenUri = new UriBuilder(realm) { Query = string.Join('&', query) }.Uri;

        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        request.Headers.Authorization = basic;
        using var idle = new IdleWatch(options.IdleTimeout, cancellationToken);
        HttpResponseMessage sent;
        try
        {
            sent = await http.SendAsync(request, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (idle.CheckExpired(cancellationToken))
        {
            throw new KtException(OciErrors.RegistryIdle, $"The token service {realm.GetLeftPart(UriPartial.Path)} of registry {registry} sent nothing for {options.IdleTimeout.TotalSeconds:0.#} s during {what}.", e);
        }

        using var response = sent;
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw AccessDenied(registry, what, (int)response.StatusCode, $"its token service {realm.GetLeftPart(UriPartial.Path)} refused the credentials");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new KtException(OciErrors.RegistryFailing, $"The token service of registry {registry} answered HTTP {(int)response.StatusCode} for {what}.");
        }

        using var json = JsonDocument.Parse(await ReadBodyAsync(response, $"the token request for {what}", 1 << 20, stopAtLimit: false, cancellationToken).ConfigureAwait(false));
        var token = json.RootElement.TryGetProperty("token", out var t) && t.GetString() is { Length: > 0 } tokenText ? tokenText
            : json.RootElement.TryGetProperty("access_token", out var a) && a.GetString() is { Length: > 0 } accessText ? accessText
            : throw new KtException(OciErrors.RegistryFailing, $"The token service of registry {registry} returned no token.");
        return new AuthenticationHeaderValue("Bearer", token);
    }

    private KtException AccessDenied(string registry, string what, int status, string? reason)
    {
        var source = credentials is DockerConfigCredentials docker
            ? $" Kt reads credentials from {docker.ConfigPath} ('auths'; run 'docker login {registry}')" + (docker.HasHelperFor(registry) ? "; credential helpers (credsStore/credHelpers) are not supported, so put the credentials in 'auths'." : ".")
            : string.Empty;
        return new KtException(OciErrors.RegistryDenied, $"Registry {registry} denied access to {what} (HTTP {status}{(reason is null ? string.Empty : ": " + reason)}): credentials are missing or wrong.{source}");
    }

    private async Task DelayAsync(int attempt, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var backoff = options.RetryBaseDelay * Math.Pow(2, attempt) * (0.8 + Random.Shared.NextDouble() * 0.4);
        var delay = retryAfter is { } asked && asked > backoff ? TimeSpan.FromTicks(Math.Min(asked.Ticks, TimeSpan.FromSeconds(30).Ticks)) : backoff;
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }
}
