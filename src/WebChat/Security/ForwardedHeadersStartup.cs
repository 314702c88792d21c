using Microsoft.AspNetCore.HttpOverrides;

namespace WebChat.Security;

/// <summary>
/// The client's address and scheme from X-Forwarded-For / X-Forwarded-Proto, taken only from the known proxies
/// (ASP.NET Core trusts loopback by default; here nobody is trusted unless configured). As a startup filter it
/// runs before every other middleware: request logs, the origin check, the hub and every per-address rule
/// see the real client.
/// </summary>
internal sealed class ForwardedHeadersStartup(KnownProxies proxies) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (!proxies.IsEmpty)
        {
            var options = new ForwardedHeadersOptions
            {
                ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
                // Walk back through every known proxy in the chain; stop at the first address that is not one.
                ForwardLimit = null,
            };
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in proxies.Networks) options.KnownIPNetworks.Add(network);
            app.UseForwardedHeaders(options);
        }
        next(app);
    };
}
