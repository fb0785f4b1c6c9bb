using VisionSearch.Testing;

namespace VisionSearch.AppHost.Tests;

/// <summary>Processes as Linux's /proc shows them: parents, descendants, command lines.</summary>
internal static class ProcessTree
{
    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>Every process started under <paramref name="pid"/>, however deep.</summary>
    public static List<int> Descendants(int pid)
    {
        var all = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : 0)
            .Where(p => p > 0)
            .Select(p => (Pid: p, Parent: ParentOf(p)))
            .ToList();
        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var child in all.Where(p => p.Parent == parent).Select(p => p.Pid))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }

        return found;
    }

    public static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Waits until none of <paramref name="pids"/> is alive; the ones still alive at the deadline.</summary>
    public static async Task<List<int>> SurvivorsAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var watched = pids.ToList();
        try
        {
            await Wait.UntilAsync(() => Task.FromResult(!watched.Any(IsAlive)), timeout, "processes still alive");
        }
        catch (TimeoutException)
        {
            // The survivors are the answer, named by the caller's assertion.
        }

        return [.. watched.Where(IsAlive)];
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
