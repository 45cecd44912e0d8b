namespace Kt.Watch.Tests;

/// <summary>The tests here run dotnet builds and packs; one at a time on a 2-core machine shared with other suites.</summary>
[CollectionDefinition(Name)]
public sealed class WatchCollection
{
    public const string Name = "watch";
}
