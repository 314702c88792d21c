namespace WebChat.Bench.Adapters;

/// <summary>
/// Both doors in one group: each member uses the TCP gateway or the SignalR hub, chosen by its index
/// so that every group gets the same share (<c>--tcp-fraction</c>) spread evenly over its members
/// (senders included). The group key is the numeric group id, which both doors share. With <c>--target2</c> the
/// same split puts every other member of a group on a second node's TCP door (two nodes on one Redis).
/// </summary>
public sealed class MixedAdapter(IChatAdapter tcp, IChatAdapter hub, double tcpFraction) : IChatAdapter
{
    public string Name => "mixed";

    /// <summary>Member m uses TCP when floor((m+1)f) &gt; floor(mf): f = 0.5 gives hub, tcp, hub, tcp...</summary>
    public bool UsesTcp(MemberSpec m) => Math.Floor((m.Member + 1) * tcpFraction) > Math.Floor(m.Member * tcpFraction);

    private IChatAdapter For(MemberSpec m) => UsesTcp(m) ? tcp : hub;

    public Task<IChatSession> CreateGroupAsync(MemberSpec member, string password, CancellationToken ct) =>
        For(member).CreateGroupAsync(member, password, ct);

    public Task<IChatSession> JoinGroupAsync(MemberSpec member, string groupKey, string password, CancellationToken ct) =>
        For(member).JoinGroupAsync(member, groupKey, password, ct);
}
