using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Observability;

/// <summary>
/// The runtime's log: one line per event on stdout (<c>info: Category[0] message</c>, the console logger's single-line
/// shape), Kt's own categories from Information, the framework's from Warning. A plain writer, not the console
/// logging package: the runtime logs a few lines in its life, and building that package's options, formatter and queue
/// thread cost a measurable share of the time from start to ready.
/// </summary>
internal sealed class ConsoleLines : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        private readonly LogLevel _minimum = category.StartsWith("Microsoft", StringComparison.Ordinal) ? LogLevel.Warning : LogLevel.Information;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += " " + exception;
            }

            // Console.Out is synchronized: lines from several threads never interleave.
            Console.Out.WriteLine($"{Prefix(logLevel)}: {category}[{eventId.Id}] {message.ReplaceLineEndings(" ")}");
        }

        private static string Prefix(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
