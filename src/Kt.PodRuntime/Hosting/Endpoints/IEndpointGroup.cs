using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary>One feature's routes (health, setup, sync, calls, logs, app), mapped by <see cref="RuntimeEndpoints"/>.</summary>
internal interface IEndpointGroup
{
    void Map(IEndpointRouteBuilder routes);
}
