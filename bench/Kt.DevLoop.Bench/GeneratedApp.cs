/// <summary>
/// The apps the watch benchmarks edit, written as a user would have them: a Kt project (a console app referencing the
/// packed Kt.MSBuild, served by the process backend) or a plain console app that answers over a loopback HTTP
/// endpoint for <c>dotnet watch</c>. Both have the same number of C# files: Program.cs, Functions.cs (the method the
/// edits change) and generated types that make the project the size asked for.
/// </summary>
internal static class GeneratedApp
{
    /// <summary>A folder whose nuget.config knows only <paramref name="packages"/> (offline) and whose empty Directory.* files stop MSBuild looking further up.</summary>
    public static void WriteRoot(string root, string? packages)
    {
        Directory.CreateDirectory(root);
        var source = packages is null ? "" : $"<add key=\"kt-local\" value=\"{Path.GetFullPath(packages)}\" />";
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                {source}
              </packageSources>
            </configuration>
            """);
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(root, name), "<Project />");
        }
    }

    /// <summary>A Kt project of <paramref name="files"/> C# files; <paramref name="name"/> is also its namespace. Returns the csproj.</summary>
    public static string WriteKtProject(string root, string name, int files, string version, string service, int replicas, string functions)
    {
        var folder = Path.Combine(root, name);
        Directory.CreateDirectory(folder);
        var project = Path.Combine(folder, name + ".csproj");
        File.WriteAllText(project, KtProject(version, service, replicas, items: ""));
        File.WriteAllText(Path.Combine(folder, "Program.cs"), "Console.WriteLine(\"served by Kt: its functions and classes are called on the pods\");\n");
        File.WriteAllText(Path.Combine(folder, "Functions.cs"), functions);
        WriteFiller(folder, name, files - 2);
        return project;
    }

    /// <summary>The Kt csproj; <paramref name="items"/> go into an item group (the csproj edit of the rude-edit bench).</summary>
    public static string KtProject(string version, string service, int replicas, string items) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
            <KtService>{service}</KtService>
            <KtReplicas>{replicas}</KtReplicas>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Kt.MSBuild" Version="{version}" PrivateAssets="all" />
          </ItemGroup>
          <ItemGroup>
            {items}
          </ItemGroup>
        </Project>
        """;

    /// <summary>The same app for <c>dotnet watch</c>: Program.cs answers <c>Functions.Answer()</c> on every GET to 127.0.0.1:<c>args[0]</c>.</summary>
    public static string WriteDotnetWatchProject(string root, string name, int files, string functions)
    {
        var folder = Path.Combine(root, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, name + ".csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), $$"""
            using System.Net;
            using System.Text;

            // One request at a time, as the Kt side's poller asks: each GET answers Functions.Answer() as it is now.
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{args[0]}/");
            listener.Start();
            while (true)
            {
                var context = await listener.GetContextAsync();
                var body = Encoding.UTF8.GetBytes({{name}}.Functions.Answer());
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
            """);
        File.WriteAllText(Path.Combine(folder, "Functions.cs"), functions);
        WriteFiller(folder, name, files - 2);
        return folder;
    }

    /// <summary>Functions.cs whose <c>Answer()</c> returns <paramref name="answer"/>: the method-body edit of the loop.</summary>
    public static string Functions(string ns, string answer) => $$"""
        namespace {{ns}};

        public static class Functions
        {
            public static string Answer()
            {
                var answer = "{{answer}}";
                return answer;
            }
        }
        """;

    /// <summary>A generated type with members of the usual kinds; <paramref name="version"/> changes only method bodies.</summary>
    public static string TypeSource(string ns, int index, int version) => $$"""
        namespace {{ns}};

        public sealed class Type{{index}}
        {
            public int Value { get; set; }

            public string Describe(int factor) => $"Type{{index}} v{{version}} {Value * factor} {string.Join(',', Enumerable.Range(0, factor).Select(i => i * {{index}}))}";

            public int Sum(IEnumerable<int> values)
            {
                var total = {{version}};
                foreach (var v in values)
                {
                    total += v * {{index}};
                }

                return total;
            }

            public static Type{{index}} Create() => new() { Value = {{index}} };
        }
        """;

    private static void WriteFiller(string folder, string ns, int count)
    {
        for (var i = 0; i < count; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"Type{i}.cs"), TypeSource(ns, i, 0));
        }
    }
}
