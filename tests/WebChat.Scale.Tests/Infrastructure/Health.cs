namespace WebChat.Scale.Tests.Infrastructure;

/// <summary>Polls a node's /healthz (a bounded wait; polling is how a load balancer sees it too).</summary>
public static class Health
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public static async Task<int> StatusAsync(Uri baseAddress)
    {
        try { return (int)(await Http.GetAsync(new Uri(baseAddress, "/healthz"))).StatusCode; }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { return 0; }
    }

    public static async Task WaitForAsync(Uri baseAddress, int status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        int last;
        while ((last = await StatusAsync(baseAddress)) != status)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/healthz of {baseAddress} answered {last}, not {status}");
            await Task.Delay(50);
        }
    }
}
