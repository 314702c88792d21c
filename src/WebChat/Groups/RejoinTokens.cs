using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace WebChat.Groups;

/// <summary>
/// What a rejoin token names: one generation of one member of one group's lifetime (the epoch changes with every
/// new group; the generation with every rejoin, so a token opens the member once).
/// </summary>
public readonly record struct RejoinClaim(int GroupId, string Epoch, string MemberId, long Generation);

/// <summary>Rejoin tokens protected with ASP.NET Core Data Protection (keys kept under the data path, or in Redis when scaled out).</summary>
public sealed class RejoinTokens(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("WebChat.RejoinToken.v2");

    public string Issue(RejoinClaim claim) => _protector.Protect($"{claim.GroupId}|{claim.Epoch}|{claim.MemberId}|{claim.Generation}");

    /// <summary>The claim of a token this server issued, or null for anything else.</summary>
    public RejoinClaim? TryRead(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096) return null;
        try
        {
            var parts = _protector.Unprotect(token).Split('|');
            if (parts.Length == 4 && int.TryParse(parts[0], out var groupId) && long.TryParse(parts[3], out var generation))
                return new RejoinClaim(groupId, parts[1], parts[2], generation);
        }
        catch (CryptographicException) { }
        catch (FormatException) { }
        return null;
    }
}
