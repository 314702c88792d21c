using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace WebChat.Groups;

/// <summary>
/// Group passwords are kept only as salted PBKDF2-SHA256 hashes, <c>pbkdf2-sha256$iterations$salt$hash</c>,
/// and compared in constant time.
/// </summary>
public sealed class PasswordHasher(IOptions<ChatOptions> options)
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Scheme = "pbkdf2-sha256";

    public string Hash(string password)
    {
        var iterations = Math.Max(1, options.Value.PasswordHashIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], out var iterations) || iterations < 1)
            return false;
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
