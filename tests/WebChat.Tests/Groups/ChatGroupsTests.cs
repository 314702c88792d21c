using WebChat.Store;
using WebChat.Groups;
using WebChat.Tests.Infrastructure;
using static WebChat.Tests.Infrastructure.CoreHarness;

namespace WebChat.Tests.Groups;

public class ChatGroupsTests
{
    [Fact]
    public async Task ParallelCreatesNeverShareAnIdAndFillFromOne()
    {
        await using var core = new CoreHarness();
        var ids = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => CreateRetryingWhileBusyAsync(core, Caller($"c{i}"), $"user{i}"))));
        Assert.Equal(Enumerable.Range(1, 200), ids.Select(j => j.GroupId).Order());
    }

    /// <summary>
    /// Password hashing runs on a core or two at once and a create that waits too long for one is refused as busy
    /// (on a loaded machine some of 200 at once are): like a client told to try again in a moment, it tries again.
    /// </summary>
    private static async Task<JoinedGroup> CreateRetryingWhileBusyAsync(CoreHarness core, Member caller, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try { return await core.Groups.CreateAsync(caller, name, "pw"); }
            catch (ChatException e) when (e.Error == ChatError.Busy && DateTime.UtcNow < deadline) { }
        }
    }

    [Fact]
    public async Task DeletedIdsAreReusedSmallestFirst()
    {
        await using var core = new CoreHarness();
        for (var i = 1; i <= 5; i++) await core.Groups.CreateAsync(Caller($"c{i}"), "A", "pw");
        await core.Groups.LeaveAsync(Caller("c4"), 4);
        await core.Groups.LeaveAsync(Caller("c2"), 2);
        Assert.Equal(2, (await core.Groups.CreateAsync(Caller("x"), "A", "pw")).GroupId);
        Assert.Equal(4, (await core.Groups.CreateAsync(Caller("y"), "A", "pw")).GroupId);
        Assert.Equal(6, (await core.Groups.CreateAsync(Caller("z"), "A", "pw")).GroupId);
    }

    [Fact]
    public async Task EveryGroupsEventsReachTheDispatcherInSequenceUnderConcurrentSenders()
    {
        await using var core = new CoreHarness(new Dictionary<string, string?>
        {
            ["Chat:Limits:MessagesPerSecond"] = "100000",
            ["Chat:Limits:MessageBurst"] = "100000",
        });
        const int groups = 4, membersPerGroup = 8, messagesEach = 100;
        for (var g = 0; g < groups; g++)
        {
            var created = await core.Groups.CreateAsync(Caller($"g{g}m0"), "m0", "pw");
            for (var m = 1; m < membersPerGroup; m++)
                await core.Groups.JoinAsync(Caller($"g{g}m{m}"), created.GroupId, $"m{m}", "pw");
        }

        await Task.WhenAll(
            from g in Enumerable.Range(0, groups)
            from m in Enumerable.Range(0, membersPerGroup)
            select Task.Run(async () =>
            {
                for (var i = 0; i < messagesEach; i++)
                    await core.Groups.SendAsync(Caller($"g{g}m{m}"), g + 1, $"{m}:{i}");
            }));

        var total = groups * (membersPerGroup + membersPerGroup * messagesEach);
        await core.Sink.WaitForCountAsync(total);
        foreach (var stream in core.Sink.Events.GroupBy(e => e.GroupId))
        {
            // One gap-free sequence per group, in order, each event once.
            Assert.Equal(Enumerable.Range(1, stream.Count()).Select(i => (long)i), stream.Select(e => e.Seq));
            // Each sender's messages in the order it sent them.
            foreach (var bySender in stream.Where(e => e.Kind == GroupEventKind.Message).GroupBy(e => e.UserName))
                Assert.Equal(Enumerable.Range(0, messagesEach), bySender.Select(e => int.Parse(e.Message!.Text.Split(':')[1])));
        }
    }

    [Fact]
    public async Task WrongPasswordsAreThrottledPerAddress()
    {
        await using var core = new CoreHarness();
        var g = (await core.Groups.CreateAsync(Caller("owner", "10.0.0.9"), "Owner", "right")).GroupId;
        for (var i = 0; i < 5; i++)
        {
            var e = await Assert.ThrowsAsync<ChatException>(() => core.Groups.JoinAsync(Caller($"x{i}", "10.0.0.66"), g, $"X{i}", "wrong"));
            Assert.Equal(ChatError.WrongPassword, e.Error);
        }
        // The sixth try is refused even with the right password, from the same address only.
        var throttled = await Assert.ThrowsAsync<ChatException>(() => core.Groups.JoinAsync(Caller("x9", "10.0.0.66"), g, "X9", "right"));
        Assert.Equal(ChatError.Throttled, throttled.Error);
        Assert.Contains("Too many wrong passwords", throttled.Message);
        Assert.Equal(g, (await core.Groups.JoinAsync(Caller("friend", "10.0.0.7"), g, "Friend", "right")).GroupId);
    }

    [Fact]
    public async Task FloodLimitRefusesBeyondTheBurstAndTheMemberStays()
    {
        await using var core = new CoreHarness();
        var g = (await core.Groups.CreateAsync(Caller("a"), "A", "pw")).GroupId;
        for (var i = 0; i < 20; i++) Assert.NotNull(await core.Groups.SendAsync(Caller("a"), g, $"m{i}"));
        var e = await Assert.ThrowsAsync<ChatException>(() => core.Groups.SendAsync(Caller("a"), g, "one too many"));
        Assert.Equal(ChatError.TooFast, e.Error);
        Assert.Equal(["A"], await core.Groups.MembersAsync(g));
    }

    [Fact]
    public async Task NamesAreTrimmedAndUniqueIgnoringCase()
    {
        await using var core = new CoreHarness();
        var created = await core.Groups.CreateAsync(Caller("a"), "  Hadas  ", "pw");
        Assert.Equal("Hadas", created.UserName);
        var e = await Assert.ThrowsAsync<ChatException>(() => core.Groups.JoinAsync(Caller("b"), created.GroupId, "HADAS", "pw"));
        Assert.Equal(ChatError.NameTaken, e.Error);
        // Emoji count as one character each: 32 of them is a valid name.
        var emojiName = string.Concat(Enumerable.Repeat("😀", 32));
        Assert.Equal(emojiName, (await core.Groups.JoinAsync(Caller("c"), created.GroupId, emojiName, "pw")).UserName);
    }

    [Fact]
    public async Task HistoryKeepsTheLastConfiguredMessages()
    {
        await using var core = new CoreHarness(new Dictionary<string, string?> { ["Chat:HistorySize"] = "3" });
        var g = (await core.Groups.CreateAsync(Caller("a"), "A", "pw")).GroupId;
        for (var i = 1; i <= 5; i++) await core.Groups.SendAsync(Caller("a"), g, $"m{i}");
        var joined = await core.Groups.JoinAsync(Caller("b"), g, "B", "pw");
        Assert.Equal(["m3", "m4", "m5"], joined.History.Select(m => m.Text));
    }

    [Fact]
    public async Task PasswordIsStoredOnlyAsASaltedHash()
    {
        // Spaces cannot occur in a hash's base64, so no hash can contain this password by chance.
        const string password = "correct horse battery staple";
        await using var core = new CoreHarness();
        var first = await core.Groups.CreateAsync(Caller("c1"), "Hadas", password);
        await core.Groups.CreateAsync(Caller("c2"), "Shoham", password);
        await core.Groups.JoinAsync(Caller("c3"), first.GroupId, "Noa", password);
        await core.Groups.SendAsync(Caller("c1"), first.GroupId, "hello");

        var stored = ReachableStrings.Of(core.Get<IGroupStore>(), skip: o => o is IGroupEventPublisher);
        Assert.Contains("hello", stored);   // the walk does reach the groups' state
        Assert.DoesNotContain(stored, s => s.Contains(password, StringComparison.OrdinalIgnoreCase));
        var hashes = stored.Where(s => s.StartsWith("pbkdf2-sha256$", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Equal(2, hashes.Count);      // one per group, and different: salted

        var hasher = core.Get<PasswordHasher>();
        foreach (var h in hashes) Assert.True(await hasher.VerifyAsync(password, h));
        foreach (var h in hashes) Assert.False(await hasher.VerifyAsync(password + "!", h));
        Assert.False(await hasher.VerifyAsync(password, "garbage"));
    }
}
