using System.Text.Json;
using LogAggregator.Ingestion.Protocols;

namespace LogAggregator.Actors.Tests.Ingestion.Protocols;

public sealed class MessageTemplatesTests
{
    [Theory]
    [InlineData("Hello {Name}", """{"Name":"Ann"}""", "Hello Ann")]
    [InlineData("Took {Elapsed:0.00} ms", """{"Elapsed":12.3456}""", "Took 12.35 ms")]
    [InlineData("Order {@Order}", """{"Order":{"Id":1,"Items":[2]}}""", "Order {\"Id\":1,\"Items\":[2]}")]
    [InlineData("Thing {$Thing}", """{"Thing":"System.Object"}""", "Thing System.Object")]
    [InlineData("Escaped {{Name}} and }}", """{"Name":"Ann"}""", "Escaped {Name} and }")]
    [InlineData("Missing {Gone} stays", "{}", "Missing {Gone} stays")]
    [InlineData("Padded [{Code,5}]", """{"Code":42}""", "Padded [   42]")]
    [InlineData("Unclosed {Name", """{"Name":"Ann"}""", "Unclosed {Name")]
    public void Templates_render_as_Seq_shows_them(string template, string properties, string rendered)
    {
        using var document = JsonDocument.Parse(properties);
        var root = document.RootElement;

        Assert.Equal(rendered, MessageTemplates.Render(template, (string name, out JsonElement value) => root.TryGetProperty(name, out value)));
    }

    [Fact]
    public void The_senders_own_renderings_are_used_for_formatted_tokens()
    {
        using var document = JsonDocument.Parse("""{"Elapsed":12.3456}""");
        var root = document.RootElement;

        Assert.Equal("Took 12,35 ms", MessageTemplates.Render("Took {Elapsed:0.00} ms", (string name, out JsonElement value) => root.TryGetProperty(name, out value), ["12,35"]));
    }
}
