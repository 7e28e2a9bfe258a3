using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace LogAggregator.Ingestion.Protocols;

internal static class JsonStrings
{
    /// <summary>
    /// The string; an escaped lone surrogate (<c>"\ud800"</c>), which System.Text.Json refuses to decode, becomes
    /// U+FFFD, as it does for POST /api/logs.
    /// </summary>
    public static string Get(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var raw = Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(element));
            using var document = JsonDocument.Parse(JsonEntryReader.ReplaceLoneSurrogateEscapes(raw));
            return document.RootElement.GetString()!;
        }
    }

    /// <summary>A string as itself, anything else as its JSON text (a template renders an object as JSON).</summary>
    public static string Text(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => Get(element),
        _ => JsonEntryReader.ReplaceLoneSurrogateEscapes(Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(element))),
    };
}
