using System.CommandLine;
using Kt.Cli;

return await KtCommands.Root().Parse(args).InvokeAsync();
