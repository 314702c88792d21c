namespace WebChat.Operations;

/// <summary>Runtime settings the server needs that the runtime only reads from the environment.</summary>
internal static class RuntimeTuning
{
    private const string MaxArraysPerPartition = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";
    private const string SpinLimit = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>
    /// SignalR gives each connection pipes over the shared array pool, which by default keeps 32 arrays of a
    /// size per core. A message to a group of a few hundred connections rents one 4 KiB array per connection
    /// at once, so without more room nearly every delivery allocated a fresh one (2.2 KB a delivery, a gen0
    /// GC every 200 ms at 40,000 deliveries/s). The pool reads this once, when it is first used, so it is
    /// set before anything else runs; an operator's own value wins.
    /// </summary>
    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(MaxArraysPerPartition) is null)
            Environment.SetEnvironmentVariable(MaxArraysPerPartition, "256");

        // A thread-pool worker that runs out of work spins a while before it sleeps, in case more comes. With
        // one CPU (a container limited to one core, or a pinned process) spinning is a sched_yield loop that
        // only takes the core from the work: at 10,000 deliveries/s it was 8,000 yields and 6,000 context
        // switches a second and a third of the server's CPU (docs/performance.md). With more CPUs it can pay.
        if (Environment.ProcessorCount == 1 && Environment.GetEnvironmentVariable(SpinLimit) is null)
            Environment.SetEnvironmentVariable(SpinLimit, "0");
    }
}
