using Microsoft.Extensions.Logging;

namespace Qdhcp.Cli;

/// <summary>The console logging every long-running command shares: one UTC-stamped line per entry, all on stderr.</summary>
internal static class ConsoleLogging
{
    /// <summary>Creates the logger factory; <paramref name="configure"/> adds the command's levels and filters.</summary>
    public static ILoggerFactory Create(Action<ILoggingBuilder> configure) => LoggerFactory.Create(logging =>
    {
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });

        // stdout stays free for what a command prints as its result; logs go to stderr.
        logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        configure(logging);
    });
}
