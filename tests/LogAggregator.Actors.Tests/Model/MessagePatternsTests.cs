using LogAggregator.Model;

namespace LogAggregator.Tests.Model;

public sealed class MessagePatternsTests
{
    [Theory]
    [InlineData("timeout after 5012 ms", "timeout after <num> ms")]
    [InlineData("took 1.25 s, retry -3", "took <num> s, retry -<num>")]
    [InlineData("timeout after 5012ms", "timeout after <num>ms")]
    [InlineData("order-12345 failed on worker_3", "order-<num> failed on worker_<num>")]
    [InlineData("request 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed", "request <uuid> failed")]
    [InlineData("mail to Jane.Doe+ops@example.co.uk bounced", "mail to <email> bounced")]
    [InlineData("user=bob@example.com denied", "user=<email> denied")]
    [InlineData("cannot reach 10.0.12.7:5432", "cannot reach <ip>")]
    [InlineData("peer 192.168.1.20 reset the connection.", "peer <ip> reset the connection.")]
    [InlineData("bind [2001:db8::8a2e:370:7334]:443 failed", "bind [<ip>]:<num> failed")]
    [InlineData("listening on ::1", "listening on <ip>")]
    [InlineData("segfault at 0x7ffd5e8c", "segfault at <hex>")]
    [InlineData("commit a3f9c2e1b7 not found", "commit <hex> not found")]
    [InlineData("user 'alice' not found", "user '<str>' not found")]
    [InlineData("key \"session:42\" expired", "key \"<str>\" expired")]
    [InlineData("at 2024-01-15T10:30:00.123Z", "at <num>-<num>-<num>T<num>:<num>:<num>Z")]
    [InlineData("down for 1h30m", "down for <num>h<num>m")]
    [InlineData("sha256 mismatch over http2", "sha256 mismatch over http2")]
    [InlineData("don't retry, it's 'final' now", "don't retry, it's '<str>' now")]
    [InlineData("unclosed \"quote 42", "unclosed \"quote <num>")]
    [InlineData("version 1.2.3.4.5", "version <num>.<num>.<num>")]
    [InlineData("deadbeef is a word", "deadbeef is a word")]
    [InlineData("connection refused", "connection refused")]
    [InlineData("", "")]
    public void Mask_replaces_each_kind_of_variable_part(string message, string expected) =>
        Assert.Equal(expected, MessagePatterns.Mask(message));

    [Fact]
    public void Messages_differing_only_in_variable_parts_share_a_pattern()
    {
        var a = MessagePatterns.Mask("job 17 for 'acme' failed after 5012 ms on 10.0.0.1");
        var b = MessagePatterns.Mask("job 9042 for 'globex' failed after 733 ms on 10.0.0.254");

        Assert.Equal(a, b);
        Assert.NotEqual(a, MessagePatterns.Mask("job 17 for 'acme' succeeded after 5012 ms on 10.0.0.1"));
    }

    [Theory]
    [InlineData("'")]
    [InlineData("\"")]
    [InlineData("a.")]
    [InlineData("1:")]
    [InlineData("a:")]
    [InlineData("x@")]
    public async Task Hostile_inputs_are_masked_without_running_away(string unit)
    {
        // A quadratic pass over 200k characters takes minutes; a linear one, milliseconds. The generous bound
        // only catches the runaway; how fast masking is belongs to the benchmarks.
        var message = string.Concat(Enumerable.Repeat(unit, 200_000));

        var masked = await Task.Run(() => MessagePatterns.Mask(message)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(masked, MessagePatterns.Mask(message));
    }
}
