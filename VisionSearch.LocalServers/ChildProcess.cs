using System.Diagnostics;
using System.Runtime.InteropServices;

namespace VisionSearch.LocalServers;

/// <summary>
/// A process started by a test or a benchmark: its output is prefixed with its name and merged into this process's,
/// and stopping it asks first (SIGTERM, so Orleans leaves the cluster cleanly) and kills the whole tree after a grace period.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private static readonly Lock ConsoleLock = new();
    private readonly Process _process;
    private readonly string _name;
    private readonly Queue<string> _tail = new();

    private ChildProcess(string name, Process process)
    {
        _name = name;
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process printed, for error messages when it dies during startup.</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join(Environment.NewLine, _tail);
            }
        }
    }

    public static ChildProcess Start(
        string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string? workingDirectory = null)
    {
        // In a session of its own, a child does not receive the terminal's Ctrl+C: only its starter does, and it
        // stops the children in order (a silo before the Redis it needs to leave the cluster cleanly).
        var setsid = OperatingSystem.IsLinux() && File.Exists("/usr/bin/setsid");
        var info = new ProcessStartInfo(setsid ? "/usr/bin/setsid" : fileName)
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (setsid)
        {
            info.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Echo(e.Data);
        process.ErrorDataReceived += (_, e) => child.Echo(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Asks the process to stop, waits up to <paramref name="grace"/>, then kills it and its children.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (OperatingSystem.IsWindows() || SendSignal(_process.Id, SigTerm) != 0)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private void Echo(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 40)
            {
                _tail.Dequeue();
            }
        }

        lock (ConsoleLock)
        {
            Console.Out.WriteLine($"{_name,-6}| {line}");
        }
    }

    public const int SigTerm = 15;

    public const int SigKill = 9;

    /// <summary>kill(2): 0 on success.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int SendSignal(int pid, int signal);
}
