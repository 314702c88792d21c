using Serilog;
using WebChat.Gateway;
using WebChat.Groups;
using WebChat.Hubs;
using WebChat.Operations;
using WebChat.Pages;
using WebChat.Security;
using WebChat.Store.Durable;
using WebChat.Store.Redis;

// Before anything touches the shared array pool (see RuntimeTuning)
WebChat.Operations.RuntimeTuning.Apply();

// `--probe URL` checks a running node (the container's HEALTHCHECK) without starting one
if (HealthProbe.IsRequested(args)) return await HealthProbe.RunAsync(args);

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();
try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = WebRoot.Locate() });

    // Logging: Serilog from the "Serilog" section
    builder.AddChatLogging();

    // The group core, the in-memory store and the dispatcher
    builder.Services.AddChatCore();

    // The SignalR door
    builder.Services.AddChatHub();

    // Scale-out: the Redis store when ConnectionStrings:Redis is set
    builder.AddChatRedis();

    // Without Redis: the groups kept under Chat:DataPath across restarts (before the doors, so they stop after it)
    builder.AddChatDurability();

    // The TCP gateway for legacy clients
    builder.Services.AddChatGateway();

    // The browser UI, its security headers and the hub's allowed origins
    builder.AddChatUi();
    builder.Services.AddChatSecurity();

    // Metrics, request logging, shutdown
    builder.AddChatOperations();

    var app = builder.Build();

    app.MapChatOperations();
    app.UseChatSecurity();
    app.MapChatUi();
    app.MapChatHub();
    app.MapChatHealth();

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
