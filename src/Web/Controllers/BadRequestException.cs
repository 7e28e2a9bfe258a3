namespace LogAggregator.Web.Controllers;

/// <summary>Input the API refuses; becomes a 400 problem body that names the field.</summary>
public sealed class BadRequestException(string field, string detail) : Exception(detail)
{
    public string Field { get; } = field;
}
