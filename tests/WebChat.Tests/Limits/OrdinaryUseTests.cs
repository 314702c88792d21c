using Microsoft.AspNetCore.SignalR;
using WebChat.Groups;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Limits;

/// <summary>The limits against abuse, at their defaults, never refuse ordinary use: a school class behind one address.</summary>
public class OrdinaryUseTests
{
    /// <summary>Every limit at its default (the test application raises some for other tests).</summary>
    private static readonly Dictionary<string, string?> Defaults = new()
    {
        ["Chat:Limits:JoinsPerMinute"] = "60",
        ["Chat:Limits:GroupsPerAddress"] = "20",
        ["Chat:Limits:HubConnectionsPerAddress"] = "200",
        ["Chat:PasswordHashIterations"] = "20000",
    };

    [Fact]
    public async Task AClassOfThirtyBehindOneAddressAllGetIntoFiveGroupsInOneMinuteThreeAfterAMistypedPassword()
    {
        await using var app = new WebChatApplication(Defaults);
        const string school = "127.0.0.5";
        await using var teacher = await ChatClient.ConnectAsync(app, from: school);
        var groups = new List<int>();
        for (var i = 0; i < 5; i++) groups.Add((await teacher.CreateGroup("Teacher", $"table-{i}")).GroupId);

        var pupils = new ChatClient[30];
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 30).Select(async i => pupils[i] = await ChatClient.ConnectAsync(app, from: school)));
            var joins = await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
            {
                var table = i % 5;
                if (i is 3 or 14 or 25)
                {
                    var e = await Assert.ThrowsAsync<HubException>(() => pupils[i].JoinGroup(groups[table], $"Pupil {i}", $"tabel-{table}"));
                    Assert.Equal(ChatError.WrongPassword, Refusal.KindOf(e));
                }
                return await pupils[i].JoinGroup(groups[table], $"Pupil {i}", $"table-{table}");
            }));
            Assert.All(joins, j => Assert.Contains("Teacher", j.Members));
            Assert.Equal(Enumerable.Repeat(7, 5), (await teacher.ListGroups()).Select(s => s.MemberCount));

            // A network blip: every page of the class rejoins at once, on a new connection, and gets back in.
            var tokens = joins.Select(j => j.RejoinToken).ToArray();
            foreach (var p in pupils) await p.DisposeAsync();
            await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
            {
                pupils[i] = await ChatClient.ConnectAsync(app, from: school);
                Assert.Equal($"Pupil {i}", (await pupils[i].Rejoin(tokens[i], 0)).UserName);
            }));
            await teacher.Send(groups[0], "Hello class");
            foreach (var i in Enumerable.Range(0, 30).Where(i => i % 5 == 0))
                Assert.Equal("Hello class", (await pupils[i].NextMessageAsync()).Text);
        }
        finally
        {
            foreach (var p in pupils) if (p is not null) await p.DisposeAsync();
        }
    }
}
