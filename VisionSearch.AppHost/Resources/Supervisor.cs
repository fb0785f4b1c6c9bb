using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace VisionSearch.AppHost.Resources;

/// <summary>
/// Keeps one resource's process running: when it exits on its own, it is started again (same ports, same settings)
/// after a back-off that doubles with each crash in a row, from 1 s up to 30 s, and resets once a run lasted a minute.
/// </summary>
internal sealed partial class Supervisor : IAsyncDisposable
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);

    private readonly Func<CancellationToken, Task<ChildProcess>> _start;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _watch;
    private ChildProcess _current;

    private Supervisor(string name, ChildProcess first, Func<CancellationToken, Task<ChildProcess>> start, ILogger logger)
    {
        Name = name;
        _current = first;
        _start = start;
        _logger = logger;
        _watch = WatchAsync(_stopping.Token);
    }

    public string Name { get; }

    /// <summary>The process running now (or the last one, while a restart waits).</summary>
    public ChildProcess Current => Volatile.Read(ref _current);

    /// <summary>How many times the process was started again.</summary>
    public int Restarts { get; private set; }

    /// <summary>Starts the resource (a failure here is a startup failure, not retried) and watches it from then on.</summary>
    public static async Task<Supervisor> StartAsync(
        string name, Func<CancellationToken, Task<ChildProcess>> start, ILogger logger, CancellationToken cancellationToken) =>
        new(name, await start(cancellationToken), start, logger);

    /// <summary>Watches a process that was already started by <paramref name="start"/>.</summary>
    public static Supervisor Adopt(string name, ChildProcess running, Func<CancellationToken, Task<ChildProcess>> start, ILogger logger) =>
        new(name, running, start, logger);

    private async Task WatchAsync(CancellationToken stopping)
    {
        var crashesInARow = 0;
        var startedAt = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                await Current.WaitForExitAsync(stopping);
                crashesInARow = startedAt.Elapsed >= StableAfter ? 1 : crashesInARow + 1;
                var delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(crashesInARow - 1, 16)));
                LogExited(_logger, Name, Current.ExitCode, startedAt.Elapsed.TotalSeconds, delay.TotalSeconds);
                await Task.Delay(delay, stopping);
                startedAt.Restart();
                try
                {
                    var next = await _start(stopping);
                    var previous = Interlocked.Exchange(ref _current, next);
                    await previous.DisposeAsync();
                    Restarts++;
                    LogRestarted(_logger, Name, next.Id, Restarts);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    // The old process has exited, so the loop comes straight back here with a longer delay.
                    LogRestartFailed(_logger, Name, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }

    /// <summary>Stops watching, then stops the process (SIGTERM, then a kill after the grace period).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _watch;
        await Current.DisposeAsync();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited with code {ExitCode} after {Seconds:F0} s; restarting it in {Delay:F0} s")]
    private static partial void LogExited(ILogger logger, string resource, int exitCode, double seconds, double delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} is healthy again (pid {Pid}, restart {Restarts})")]
    private static partial void LogRestarted(ILogger logger, string resource, int pid, int restarts);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} did not start again: {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string reason);
}
