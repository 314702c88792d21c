using Microsoft.Data.Sqlite;
using WebChat.Groups;

namespace WebChat.Store.Durable;

/// <summary>
/// The groups of a node without Redis in an embedded SQLite database under <c>Chat:DataPath</c>: one row per
/// group, its members in join order, its history. Only the journal's writer writes, one transaction per batch.
/// WAL mode: a batch is one append to the write-ahead log, committed whole or not at all, so a crash or a torn
/// last write loses at most that batch and never leaves the database unreadable.
/// </summary>
public sealed class GroupJournal : IDisposable
{
    public const string FileName = "webchat.db";
    private const int SchemaVersion = 1;

    private readonly SqliteConnection _db;
    private readonly SqliteCommand _upsertGroup, _deleteGroup, _deleteMembers, _insertMember, _deleteMessages, _upsertMessage, _trimMessages, _setMeta;

    private GroupJournal(SqliteConnection db)
    {
        _db = db;
        _upsertGroup = Command("""
            INSERT OR REPLACE INTO groups (id, epoch, password_hash, owner_id, seq, creator_address)
            VALUES ($id, $epoch, $hash, $owner, $seq, $address)
            """, "$id", "$epoch", "$hash", "$owner", "$seq", "$address");
        _deleteGroup = Command("DELETE FROM groups WHERE id = $id", "$id");
        _deleteMembers = Command("DELETE FROM members WHERE group_id = $group", "$group");
        _insertMember = Command("""
            INSERT INTO members (group_id, position, member_id, name, door, generation)
            VALUES ($group, $position, $member, $name, $door, $generation)
            """, "$group", "$position", "$member", "$name", "$door", "$generation");
        _deleteMessages = Command("DELETE FROM messages WHERE group_id = $group", "$group");
        _upsertMessage = Command("""
            INSERT OR REPLACE INTO messages (group_id, id, sender, text, sent_at) VALUES ($group, $id, $sender, $text, $sentAt)
            """, "$group", "$id", "$sender", "$text", "$sentAt");
        _trimMessages = Command("DELETE FROM messages WHERE group_id = $group AND id < $keepFrom", "$group", "$keepFrom");
        _setMeta = Command("INSERT OR REPLACE INTO meta (key, value) VALUES ($key, $value)", "$key", "$value");
    }

    /// <summary>
    /// Opens (or creates) the database in <paramref name="folder"/>. <paramref name="synchronous"/> is SQLite's
    /// <c>synchronous</c> setting: FULL syncs the log to the disk at every commit.
    /// </summary>
    public static GroupJournal Open(string folder, string synchronous = "FULL")
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, FileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        };
        var db = new SqliteConnection(builder.ToString());
        try
        {
            db.Open();
            Execute(db, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {synchronous};
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS groups (
                    id INTEGER PRIMARY KEY, epoch TEXT NOT NULL, password_hash TEXT NOT NULL, owner_id TEXT NOT NULL,
                    seq INTEGER NOT NULL, creator_address TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS members (
                    group_id INTEGER NOT NULL, position INTEGER NOT NULL, member_id TEXT NOT NULL, name TEXT NOT NULL,
                    door INTEGER NOT NULL, generation INTEGER NOT NULL, PRIMARY KEY (group_id, position)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS messages (
                    group_id INTEGER NOT NULL, id INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,
                    sent_at INTEGER NOT NULL, PRIMARY KEY (group_id, id)) WITHOUT ROWID;
                INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '{SchemaVersion}');
                """);
            using var check = db.CreateCommand();
            check.CommandText = "SELECT value FROM meta WHERE key = 'schema'";
            if (check.ExecuteScalar() is not string version || version != SchemaVersion.ToString())
                throw new InvalidOperationException($"{builder.DataSource} has schema version {check.ExecuteScalar()}, this version of WebChat reads {SchemaVersion}");
            return new GroupJournal(db);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Whether the last run stopped after its final write (false after a crash, or for a new database).</summary>
    public bool StoppedCleanly()
    {
        using var command = _db.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = 'clean'";
        return command.ExecuteScalar() as string == "1";
    }

    /// <summary>Records whether the node is running ("0": a start without the matching clean stop was a crash) or stopped after its last write.</summary>
    public void MarkClean(bool clean)
    {
        _setMeta.Parameters["$key"].Value = "clean";
        _setMeta.Parameters["$value"].Value = clean ? "1" : "0";
        _setMeta.ExecuteNonQuery();
    }

    /// <summary>Every group with its members (join order) and history (oldest first).</summary>
    public List<StoredGroup> Load()
    {
        var members = new Dictionary<int, List<MemberRecord>>();
        using (var command = _db.CreateCommand())
        {
            command.CommandText = "SELECT group_id, member_id, name, door, generation FROM members ORDER BY group_id, position";
            using var r = command.ExecuteReader();
            while (r.Read())
            {
                var list = members.TryGetValue(r.GetInt32(0), out var l) ? l : members[r.GetInt32(0)] = [];
                list.Add(new MemberRecord(r.GetString(1), r.GetString(2), (Door)r.GetInt32(3), null, "", r.GetInt64(4)));
            }
        }
        var history = new Dictionary<int, List<ChatMessage>>();
        using (var command = _db.CreateCommand())
        {
            command.CommandText = "SELECT group_id, id, sender, text, sent_at FROM messages ORDER BY group_id, id";
            using var r = command.ExecuteReader();
            while (r.Read())
            {
                var groupId = r.GetInt32(0);
                var list = history.TryGetValue(groupId, out var l) ? l : history[groupId] = [];
                list.Add(new ChatMessage(r.GetInt64(1), groupId, r.GetString(2), r.GetString(3), new DateTime(r.GetInt64(4), DateTimeKind.Utc)));
            }
        }
        var groups = new List<StoredGroup>();
        using (var command = _db.CreateCommand())
        {
            command.CommandText = "SELECT id, epoch, password_hash, owner_id, seq, creator_address FROM groups ORDER BY id";
            using var r = command.ExecuteReader();
            while (r.Read())
            {
                var id = r.GetInt32(0);
                groups.Add(new StoredGroup(id, r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetString(5),
                    members.GetValueOrDefault(id) ?? [], history.GetValueOrDefault(id) ?? []));
            }
        }
        return groups;
    }

    /// <summary>Writes a batch of changes, in order, as one transaction.</summary>
    public void Write(IReadOnlyList<GroupChange> changes)
    {
        if (changes.Count == 0) return;
        using var tx = _db.BeginTransaction();
        foreach (var command in Commands) command.Transaction = tx;
        try
        {
            foreach (var c in changes) Write(c);
            tx.Commit();
        }
        finally
        {
            foreach (var command in Commands) command.Transaction = null;
        }
    }

    private void Write(GroupChange c)
    {
        if (c.Deleted || c.Full)
        {
            Run(_deleteMembers, ("$group", c.GroupId));
            Run(_deleteMessages, ("$group", c.GroupId));
        }
        if (c.Deleted)
        {
            Run(_deleteGroup, ("$id", c.GroupId));
            return;
        }
        Run(_upsertGroup, ("$id", c.GroupId), ("$epoch", c.Epoch), ("$hash", c.PasswordHash), ("$owner", c.OwnerId), ("$seq", c.Seq),
            ("$address", c.CreatorAddress));
        if (c.Members is { } list)
        {
            if (!c.Full) Run(_deleteMembers, ("$group", c.GroupId));
            for (var i = 0; i < list.Length; i++)
                Run(_insertMember, ("$group", c.GroupId), ("$position", i), ("$member", list[i].MemberId), ("$name", list[i].Name),
                    ("$door", (int)list[i].Door), ("$generation", list[i].Generation));
        }
        var p = _upsertMessage.Parameters;
        foreach (var m in c.Messages)
        {
            (p[0].Value, p[1].Value, p[2].Value, p[3].Value, p[4].Value) = (c.GroupId, m.Id, m.Sender, m.Text, m.SentAt.Ticks);
            _upsertMessage.ExecuteNonQuery();
        }
        if (c.KeepFrom > 0 && !c.Full) Run(_trimMessages, ("$group", c.GroupId), ("$keepFrom", c.KeepFrom));
    }

    public void Dispose()
    {
        foreach (var c in Commands) c.Dispose();
        _db.Dispose();
    }

    private SqliteCommand[] Commands => [_upsertGroup, _deleteGroup, _deleteMembers, _insertMember, _deleteMessages, _upsertMessage, _trimMessages, _setMeta];

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        foreach (var p in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = p });
        return command;
    }

    private static void Run(SqliteCommand command, params (string Name, object Value)[] values)
    {
        foreach (var (name, value) in values) command.Parameters[name].Value = value;
        command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
