using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace WebChat.Groups;

/// <summary>
/// Group passwords are kept only as salted PBKDF2-SHA256 hashes, <c>pbkdf2-sha256$iterations$salt$hash</c>,
/// and compared in constant time. Hashing is deliberately slow, so it runs on at most half the machine's cores
/// at once (at least one): a flood of creates and joins waits its turn, briefly, or is refused as busy,
/// while the other cores keep delivering messages.
/// </summary>
public sealed class PasswordHasher : IDisposable
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Scheme = "pbkdf2-sha256";

    /// <summary>How long a hash may wait for a free core before the request is refused as busy.</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(2);

    private readonly IOptions<ChatOptions> _options;
    private readonly ConcurrencyLimiter _cores;

    public PasswordHasher(IOptions<ChatOptions> options)
    {
        _options = options;
        Concurrency = Math.Max(1, Environment.ProcessorCount / 2);
        _cores = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Concurrency,
            QueueLimit = 1024,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>How many hashes may run at once.</summary>
    public int Concurrency { get; }

    public async Task<string> HashAsync(string password, CancellationToken ct = default)
    {
        using var _ = await AcquireAsync(ct);
        var iterations = Math.Max(1, _options.Value.PasswordHashIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public async Task<bool> VerifyAsync(string password, string stored, CancellationToken ct = default)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], out var iterations) || iterations < 1)
            return false;
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        using var _ = await AcquireAsync(ct);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private async Task<RateLimitLease> AcquireAsync(CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(MaxWait);
        RateLimitLease lease;
        try { lease = await _cores.AcquireAsync(1, wait.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { lease = null!; }
        if (lease is { IsAcquired: true }) return lease;
        lease?.Dispose();
        throw new ChatException(ChatError.Busy, "The server is busy checking passwords right now; please try again in a moment");
    }

    public void Dispose() => _cores.Dispose();
}
