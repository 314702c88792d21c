using System.Collections;

namespace WebChat.Gateway;

/// <summary>
/// The properties every log event of one TCP session carries (Door=tcp, Tls, ConnectionId, Address). It lives as
/// long as the connection, so it is four fields rather than a dictionary: a few hundred bytes less per idle
/// connection (docs/performance.md).
/// </summary>
internal sealed class TcpLogScope(bool tls, string connectionId, string address) : IReadOnlyList<KeyValuePair<string, object>>
{
    private static readonly object True = true, False = false;

    public int Count => 4;

    public KeyValuePair<string, object> this[int index] => index switch
    {
        0 => new("Door", "tcp"),
        1 => new("Tls", tls ? True : False),
        2 => new("ConnectionId", connectionId),
        3 => new("Address", address),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"Door:tcp Tls:{tls} ConnectionId:{connectionId} Address:{address}";
}
