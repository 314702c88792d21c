using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace WebChat.Groups;

/// <summary>What a rejoin token names: one member of one group's lifetime (the epoch changes with every new group).</summary>
public readonly record struct RejoinClaim(int GroupId, string Epoch, string MemberId);

/// <summary>Rejoin tokens protected with ASP.NET Core Data Protection (keys shared through Redis when scaled out).</summary>
public sealed class RejoinTokens(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("WebChat.RejoinToken.v1");

    public string Issue(RejoinClaim claim) => _protector.Protect($"{claim.GroupId}|{claim.Epoch}|{claim.MemberId}");

    public RejoinClaim Read(string? token)
    {
        if (!string.IsNullOrEmpty(token))
        {
            try
            {
                var parts = _protector.Unprotect(token).Split('|');
                if (parts.Length == 3 && int.TryParse(parts[0], out var groupId))
                    return new RejoinClaim(groupId, parts[1], parts[2]);
            }
            catch (CryptographicException) { }
            catch (FormatException) { }
        }
        throw new ChatException(ChatError.InvalidToken, "This rejoin token is not valid");
    }
}
