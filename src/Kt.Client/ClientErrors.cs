namespace Kt.Client;

/// <summary>KT702x/KT703x: the C# client (docs/errors-devloop.md).</summary>
public static class ClientErrors
{
    /// <summary>A function, class or app given to the client cannot be called remotely (lambda, local function, open generic…).</summary>
    public const string NotRemotable = "KT7020";

    /// <summary>The project's kt.definition.json could not be found or read.</summary>
    public const string DefinitionMissing = "KT7021";

    /// <summary>The program deploys, but the deploy side (<c>kt-deploy/</c>, copied next to it by the Kt.Client package) is not there.</summary>
    public const string DeploySideMissing = "KT7024";

    /// <summary><c>Remote.App(...).ToAsync</c>: the app did not listen on its port in time.</summary>
    public const string AppNotListening = "KT7030";
}
