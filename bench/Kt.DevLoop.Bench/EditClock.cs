using System.Diagnostics;

/// <summary>
/// Times one edit from the user's side: the clock starts when the file is written and stops when a call returns the
/// edited answer. Both tools are asked the same way (a call every few milliseconds), so the polling costs them alike.
/// </summary>
internal static class EditClock
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    /// <param name="edit">Writes the edit.</param>
    /// <param name="ask">One call; null or a throw while the app cannot answer (a reload, a restart).</param>
    /// <param name="context">What to add to the message when the answer never comes (the tool's last output).</param>
    public static async Task<double> TimeAsync(Action edit, Func<Task<string?>> ask, string expected, string what, Func<string> context)
    {
        var clock = Stopwatch.StartNew();
        edit();
        string? answer = null;
        Exception? failure = null;
        while (clock.Elapsed < Limit)
        {
            try
            {
                answer = await ask();
                failure = null;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failure = e; // the pod may refuse calls while it reloads; the next call tells
            }

            if (answer == expected)
            {
                return clock.Elapsed.TotalMilliseconds;
            }

            await Task.Delay(PollEvery);
        }

        throw new TimeoutException($"{what}: no '{expected}' within {Limit.TotalMinutes:0} min (last answer '{answer}'{(failure is null ? "" : ", last error " + failure.Message)})\n{context()}");
    }
}
