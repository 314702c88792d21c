using System.Collections;
using System.Reflection;

namespace WebChat.Tests.Infrastructure;

/// <summary>
/// Every string an object holds, through its fields, collections and the objects they hold: what a store
/// keeps, whatever shape its state has today. Delegates, reflection, tasks, loggers and options are not
/// followed, nor any object <paramref name="skip"/> names (the collaborators the root was given).
/// </summary>
public static class ReachableStrings
{
    public static IReadOnlyList<string> Of(object root, Func<object, bool>? skip = null, int maxObjects = 200_000)
    {
        var strings = new List<string>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Queue<object>([root]);
        while (pending.TryDequeue(out var o) && seen.Count < maxObjects)
        {
            if (!seen.Add(o) || (skip?.Invoke(o) ?? false) || IsMachinery(o.GetType())) continue;
            switch (o)
            {
                case string s: strings.Add(s); continue;
                case Delegate or MemberInfo or Assembly or Module or Pointer: continue;
                case Array array:
                    if (array.GetType().GetElementType() is { IsPrimitive: true } or { IsEnum: true }) continue;
                    foreach (var item in array) if (item is not null) pending.Enqueue(item);
                    continue;
            }
            for (var type = o.GetType(); type is not null && type != typeof(object); type = type.BaseType)
                foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.FieldType.IsPrimitive || field.FieldType.IsEnum || field.FieldType.IsPointer) continue;
                    if (field.GetValue(o) is { } value) pending.Enqueue(value);
                }
        }
        return strings;
    }

    private static bool IsMachinery(Type type) => type.Namespace is { } ns &&
        (ns.StartsWith("Microsoft.", StringComparison.Ordinal) || ns.StartsWith("System.Threading", StringComparison.Ordinal) ||
         ns.StartsWith("System.Diagnostics", StringComparison.Ordinal) || ns.StartsWith("System.Runtime", StringComparison.Ordinal));
}
