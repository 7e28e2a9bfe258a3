using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Tests;

public class SearchPatternTests
{
    [Theory]
    [InlineData("timeout", false)]
    [InlineData(@"user\d+@example\.com", false)]
    [InlineData("(unclosed", true)]
    [InlineData("[bad", true)]
    [InlineData(@"(\w+)\1", true)]
    public void Invalid_or_backtracking_patterns_are_matched_literally(string text, bool literal)
    {
        var pattern = SearchPattern.Parse(text);

        Assert.Equal(literal, pattern.IsLiteral);
        Assert.Equal(literal ? SearchPattern.EscapeLiteral(text) : text, pattern.Expression);
        if (literal)
        {
            Assert.Matches(pattern.Highlighter, "xx " + text.ToUpperInvariant() + " yy");
        }
    }

    [Fact]
    public void Matching_is_case_insensitive()
    {
        Assert.Matches(SearchPattern.Parse("error").Highlighter, "An ERROR happened");
        Assert.Equal("(?i)error", SearchFilter.Re2(SearchPattern.Parse("error").Expression));
    }
}
