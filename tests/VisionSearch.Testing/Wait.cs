namespace VisionSearch.Testing;

/// <summary>Polling for a condition that becomes true on its own time, with a deadline and a message that says what did not happen.</summary>
public static class Wait
{
    /// <exception cref="TimeoutException">The condition still does not hold at the deadline; the message is <paramref name="what"/>.</exception>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} (after {timeout.TotalSeconds:0.#} s)");
            }

            await Task.Delay(100);
        }
    }
}
