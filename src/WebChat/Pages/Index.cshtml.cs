using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WebChat.Groups;

namespace WebChat.Pages;

/// <summary>
/// The chat page. Everything after the first render goes over the hub; a form posted without the
/// script (it needs JavaScript) only gets the page again, so no token is needed and no password reaches a URL.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class IndexModel(ChatGroups groups) : PageModel
{
    public IReadOnlyList<GroupSummary> Groups { get; private set; } = [];

    /// <summary>The group ID of an invite link (/?join=3).</summary>
    [BindProperty(SupportsGet = true, Name = "join")]
    public int? JoinId { get; set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Groups = await groups.ListAsync(ct);
        if (JoinId <= 0) JoinId = null;
    }

    public Task OnPostAsync(CancellationToken ct) => OnGetAsync(ct);
}
