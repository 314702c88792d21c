namespace WebChat.Operations;

/// <summary>
/// <c>dotnet WebChat.dll --probe URL</c>: one GET, exit code 0 for a 2xx answer within 3 s, else 1.
/// The container's HEALTHCHECK uses it because the ASP.NET runtime image has no curl or wget.
/// </summary>
public static class HealthProbe
{
    public static bool IsRequested(string[] args) => args.Length >= 1 && args[0] == "--probe";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 2 || !Uri.TryCreate(args[1], UriKind.Absolute, out var url))
        {
            Console.Error.WriteLine("usage: dotnet WebChat.dll --probe http://127.0.0.1:8080/healthz");
            return 2;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(url);
            Console.WriteLine($"{url} answered {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.WriteLine($"{url} did not answer: {e.Message}");
            return 1;
        }
    }
}
