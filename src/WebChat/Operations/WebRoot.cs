namespace WebChat.Operations;

/// <summary>
/// The web root: wwwroot/ beside the app. The publish folder has the page's files there (fingerprinted and
/// compressed copies included); started from the build output, the build's static web assets manifest points
/// to the project's own src/WebChat/wwwroot instead (see Pages/UiExtensions.cs).
/// </summary>
public static class WebRoot
{
    public static string Locate() => Path.Combine(AppContext.BaseDirectory, "wwwroot");
}
