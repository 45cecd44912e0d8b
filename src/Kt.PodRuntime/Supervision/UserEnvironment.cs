using System.Collections;
using Kt.PodRuntime.Hosting;

namespace Kt.PodRuntime.Supervision;

/// <summary>
/// The exact environment user code (worker and app processes) runs with: the applied plan's environment when there
/// is one, else the runtime's own minus its secrets, plus the SPMD variables of this replica.
/// </summary>
public sealed record UserEnvironment(IReadOnlyDictionary<string, string> Variables, string? WorkingDirectory)
{
    private static readonly string[] Secrets = ["KT_TOKEN", "KT_TOKEN_FILE"];

    /// <param name="codeDirectory">Where the code is (KT_CODE_DIR): the root's <c>current</c> link, or a frozen image's app folder.</param>
    public static UserEnvironment Create(RuntimeOptions options, IReadOnlyDictionary<string, string>? planEnvironment, string? planWorkingDirectory, string? codeDirectory = null)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (planEnvironment is not null)
        {
            foreach (var (name, value) in planEnvironment)
            {
                variables[name] = value;
            }
        }
        else
        {
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                variables[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
            }

            foreach (var secret in Secrets)
            {
                variables.Remove(secret);
            }
        }

        variables["WORLD_SIZE"] = options.WorldSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["RANK"] = options.Rank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["LOCAL_RANK"] = options.LocalRank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["NODE_RANK"] = options.NodeRank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["MASTER_ADDR"] = options.MasterAddr;
        variables["MASTER_PORT"] = options.MasterPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["KT_SERVICE"] = options.Service;
        variables["KT_POD_NAME"] = options.PodName;
        variables["KT_CODE_DIR"] = codeDirectory ?? Path.Combine(options.Root, "current");
        return new UserEnvironment(variables, planWorkingDirectory);
    }
}
