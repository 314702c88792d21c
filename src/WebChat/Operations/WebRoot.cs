namespace WebChat.Operations;

/// <summary>
/// The web root is the repository's top-level wwwroot/. The build copies it next to the app
/// (bin/ and the published folder), so every way of starting the app finds it in the same place.
/// </summary>
public static class WebRoot
{
    public static string Locate() => Path.Combine(AppContext.BaseDirectory, "wwwroot");
}
