namespace VisionSearch.Testing;

/// <summary>
/// Polling for a condition that becomes true on its own time, with a deadline and a message that says what did not
/// happen. The one polling loop of the tests: a probe may also assert (a failed build ends the wait at once).
/// </summary>
public static class Wait
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(50);

    /// <exception cref="TimeoutException">The condition still does not hold at the deadline; the message is <paramref name="what"/>.</exception>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) => UntilAsync(condition, timeout, () => what);

    /// <exception cref="TimeoutException">The condition still does not hold at the deadline; the message is <paramref name="what"/>'s, asked then.</exception>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what) =>
        ForAsync(async () => await condition() ? string.Empty : null, timeout, what);

    /// <summary>Polls <paramref name="probe"/> until it returns a value, and returns that value.</summary>
    /// <exception cref="TimeoutException">
    /// The probe still returns null at the deadline; the message is <paramref name="what"/>'s, asked then, so it can
    /// tell the last state the probe saw.
    /// </exception>
    public static async Task<T> ForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, Func<string> what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what()} (after {timeout.TotalSeconds:0.#} s)");
            }

            await Task.Delay(Every);
        }
    }
}
