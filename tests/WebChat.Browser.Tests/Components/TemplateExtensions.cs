using AngleSharp.Dom;
using AngleSharp.Html.Dom;

namespace WebChat.Browser.Tests.Components;

internal static class TemplateExtensions
{
    /// <summary>The first element of a &lt;template&gt;'s content (what the script clones).</summary>
    public static IElement TemplateItem(this IElement template) =>
        ((IHtmlTemplateElement)template).Content.FirstElementChild ?? throw new InvalidOperationException("empty template");
}
