using System.Net.Http.Headers;

namespace Kt.Client;

/// <summary>
/// Sends an app's requests through the pod's proxy as any HttpClient user writes them: <c>GetStringAsync("/hello")</c>
/// and <c>GetStringAsync("hello")</c> both reach the app's <c>/hello</c> (a leading slash would otherwise leave the
/// proxy's <c>/http/</c> prefix behind and hit the runtime's own routes). The service token goes only to the pod.
/// </summary>
internal sealed class AppRequests(PodEndpoint pod) : DelegatingHandler(new SocketsHttpHandler { UseProxy = false })
{
    private readonly Uri _root = new(pod.Address, "/");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { IsAbsoluteUri: true } uri && Uri.Compare(uri, _root, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0)
        {
            request.RequestUri = new Uri(_root, ProxyPrefix + uri.PathAndQuery);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", pod.Token);
        }

        return base.SendAsync(request, cancellationToken);
    }

    private const string ProxyPrefix = "/http";
}
