using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WebChat.Operations;

namespace WebChat.Tests.Operations;

public class CachingLoggerFactoryTests
{
    private sealed class CountingFactory : ILoggerFactory
    {
        public int Created;
        public bool Disposed;
        public ILogger CreateLogger(string categoryName) { Created++; return NullLogger.Instance; }
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() => Disposed = true;
    }

    [Fact]
    public void EachCategoryIsMadeOnceAndDisposeReachesTheInnerFactory()
    {
        var inner = new CountingFactory();
        var factory = new CachingLoggerFactory(inner);
        for (var i = 0; i < 3; i++) { factory.CreateLogger("A"); factory.CreateLogger("B"); }
        Assert.Equal(2, inner.Created);
        factory.Dispose();
        Assert.True(inner.Disposed);
    }

    [Fact]
    public void TheAppsLoggerFactoryCachesSerilogsLoggers()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddChatLogging();
        using var services = builder.Services.BuildServiceProvider();
        var factory = services.GetRequiredService<ILoggerFactory>();
        Assert.IsType<CachingLoggerFactory>(factory);
        Assert.Same(factory.CreateLogger("X"), factory.CreateLogger("X"));
    }
}
