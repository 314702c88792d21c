using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using WebChat.Groups;

namespace WebChat.Store.Redis;

/// <summary>
/// A group event as the Lua scripts publish it (and keep messages in the history list): JSON, except a message,
/// which the hot path writes in a compact form (<see cref="ParseMessage"/>). <c>b</c> is the owner who removed a
/// member, <c>p</c> the connection that held a member before its rejoin, <c>x</c> marks the event after which
/// the group is gone.
/// </summary>
internal sealed record WireEvent(
    [property: JsonPropertyName("k")] string Kind,
    [property: JsonPropertyName("g")] int GroupId,
    [property: JsonPropertyName("s")] long Seq,
    [property: JsonPropertyName("e")] string Epoch,
    [property: JsonPropertyName("u")] string UserName,
    [property: JsonPropertyName("d")] string Door,
    [property: JsonPropertyName("c")] string? ConnectionId,
    [property: JsonPropertyName("t")] string? Text,
    [property: JsonPropertyName("a")] string? SentAt,
    [property: JsonPropertyName("x")] int? GroupDeleted,
    [property: JsonPropertyName("b")] string? By = null,
    [property: JsonPropertyName("p")] string? PreviousConnectionId = null)
{
    /// <summary>An event as published or kept in the history: a compact message (starts with M) or JSON.</summary>
    public static WireEvent Parse(ReadOnlySpan<byte> utf8) => utf8.Length > 0 && utf8[0] == (byte)'M'
        ? ParseMessage(utf8)
        : JsonSerializer.Deserialize<WireEvent>(utf8) ?? throw new JsonException("Empty group event");

    public static WireEvent Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// A message event as message.lua writes it, with nothing escaped: <c>M</c>, the text's size in bytes, a
    /// space, the sequence number, a space, the group id, a space, then the epoch, sender's name, door,
    /// connection and sent-at time, each as its size in bytes, a colon and its bytes, and last the text.
    /// </summary>
    private static WireEvent ParseMessage(ReadOnlySpan<byte> s)
    {
        var at = 1;
        var textBytes = Number(s, ref at, (byte)' ');
        var seq = Number(s, ref at, (byte)' ');
        var groupId = Number(s, ref at, (byte)' ');
        var epoch = Field(s, ref at);
        var user = Field(s, ref at);
        var door = Field(s, ref at);
        var connection = Field(s, ref at);
        var sentAt = Field(s, ref at);
        if (s.Length - at != textBytes || groupId > int.MaxValue)
            throw new FormatException("A compact message event's text is not the size it announces");
        return new WireEvent(nameof(GroupEventKind.Message), (int)groupId, seq, epoch, user, door, connection == "" ? null : connection,
            Encoding.UTF8.GetString(s[at..]), sentAt, null);
    }

    private static long Number(ReadOnlySpan<byte> s, ref int at, byte end)
    {
        var length = s[at..].IndexOf(end);
        if (length <= 0 || length > 18 || !long.TryParse(s.Slice(at, length), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new FormatException("A compact message event has a malformed number");
        at += length + 1;
        return value;
    }

    private static string Field(ReadOnlySpan<byte> s, ref int at)
    {
        var length = (int)Math.Min(Number(s, ref at, (byte)':'), int.MaxValue);
        if (length > s.Length - at) throw new FormatException("A compact message event ends inside a field");
        var value = Encoding.UTF8.GetString(s.Slice(at, length));
        at += length;
        return value;
    }

    public ChatMessage ToMessage() => new(Seq, GroupId, UserName, Text ?? "",
        DateTime.Parse(SentAt ?? "", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));

    public GroupEvent ToGroupEvent() => new(GroupId, Seq, Enum.Parse<GroupEventKind>(Kind), UserName,
        Enum.Parse<Door>(Door), ConnectionId, Kind == nameof(GroupEventKind.Message) ? ToMessage() : null, By, PreviousConnectionId);
}

/// <summary>
/// A member as the Lua scripts keep it: <c>k</c> is its name's key for the uniqueness check (<see cref="Rules.NameKey"/>),
/// <c>o</c> its node, <c>v</c> its generation (bumped by every rejoin).
/// </summary>
internal sealed record WireMember(
    [property: JsonPropertyName("i")] string MemberId,
    [property: JsonPropertyName("n")] string Name,
    [property: JsonPropertyName("k")] string NameKey,
    [property: JsonPropertyName("d")] string Door,
    [property: JsonPropertyName("c")] string ConnectionId,
    [property: JsonPropertyName("o")] string NodeId,
    [property: JsonPropertyName("v")] long Generation)
{
    public static string Encode(MemberRecord m) => JsonSerializer.Serialize(
        new WireMember(m.MemberId, m.Name, Rules.NameKey(m.Name), m.Door.ToString(), m.ConnectionId ?? "", m.NodeId, m.Generation));

    public static MemberRecord Decode(string json)
    {
        var w = JsonSerializer.Deserialize<WireMember>(json) ?? throw new JsonException("Empty member");
        return new MemberRecord(w.MemberId, w.Name, Enum.Parse<Door>(w.Door), w.ConnectionId == "" ? null : w.ConnectionId, w.NodeId,
            Math.Max(1, w.Generation));
    }
}
