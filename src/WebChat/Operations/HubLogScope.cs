using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.SignalR;

namespace WebChat.Operations;

/// <summary>
/// Correlates every log event written while a hub method or connection event runs with its connection:
/// Door=hub, ConnectionId (the hub's, which as the inner scope wins over Kestrel's), and GroupId when
/// the method takes one.
/// </summary>
public sealed class HubLogScope(ILogger<HubLogScope> log) : IHubFilter
{
    private static readonly ConcurrentDictionary<MethodInfo, int> GroupIdIndex = new();

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        using var scope = log.BeginScope(Properties(context.Context, GroupIdOf(context)));
        return await next(context);
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        using var scope = log.BeginScope(Properties(context.Context, null));
        await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        using var scope = log.BeginScope(Properties(context.Context, null));
        await next(context, exception);
    }

    private static Dictionary<string, object> Properties(HubCallerContext caller, int? groupId)
    {
        var properties = new Dictionary<string, object> { ["Door"] = "hub", ["ConnectionId"] = caller.ConnectionId };
        if (groupId is { } id) properties["GroupId"] = id;
        return properties;
    }

    private static int? GroupIdOf(HubInvocationContext context)
    {
        var index = GroupIdIndex.GetOrAdd(context.HubMethod, m => Array.FindIndex(m.GetParameters(), p => p.Name == "groupId"));
        return index >= 0 && index < context.HubMethodArguments.Count && context.HubMethodArguments[index] is int id ? id : null;
    }
}
