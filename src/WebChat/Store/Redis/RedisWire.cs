using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using WebChat.Groups;

namespace WebChat.Store.Redis;

/// <summary>
/// A group event as the Lua scripts publish it (and keep messages in the history list). <c>b</c> is the owner
/// who removed a member, <c>p</c> the connection that held a member before its rejoin, <c>x</c> marks the
/// event after which the group is gone.
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
    public static WireEvent Parse(string json) =>
        JsonSerializer.Deserialize<WireEvent>(json) ?? throw new JsonException("Empty group event");

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
