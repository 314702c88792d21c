using Serilog;
using WebChat.Groups;
using WebChat.Operations;

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();
try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = WebRoot.Locate() });

    // Logging: Serilog from the "Serilog" section
    builder.AddChatLogging();

    // The group core, the store, the dispatcher and the hub
    builder.Services.AddChatCore();

    var app = builder.Build();

    app.UseStaticFiles();
    app.MapChat();

    app.Run();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "WebChat stopped unexpectedly");
    return 1;
}
finally
{
    Log.CloseAndFlush();
}

/// <summary>Public so that the tests' WebApplicationFactory can reach it.</summary>
public partial class Program;
