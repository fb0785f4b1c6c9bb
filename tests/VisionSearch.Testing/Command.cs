using System.Diagnostics;

namespace VisionSearch.Testing;

/// <summary>Runs a command line tool to its end, as a user would in a shell, for tests of what the repository ships.</summary>
public static class Command
{
    /// <summary>The exit code and the output (stdout then stderr); exit -1 when the program is not installed.</summary>
    /// <param name="environment">Variables to set for the command; a null value removes one.</param>
    public static async Task<(int Exit, string Output)> RunAsync(
        string file, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? TestFiles.Repository(),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
