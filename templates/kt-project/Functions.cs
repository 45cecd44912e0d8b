namespace KtProject;

/// <summary>Functions that run on the pods: public static methods of a public class.</summary>
public static class Functions
{
    public static string Hello(string name)
    {
        var prefix = Environment.GetEnvironmentVariable("GREETING_PREFIX") ?? "Hi";
        Console.WriteLine($"greeting {name} on {Environment.MachineName}");
        return $"{prefix}, {name}!";
    }
}
