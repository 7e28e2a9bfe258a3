using CsCheck;
using LogAggregator.Testing.Fuzzing;

namespace LogAggregator.Tests.Fuzzing;

/// <summary>
/// CI's short fuzzing budget over every decoder of untrusted input (issue 12): mutated valid inputs and raw bytes,
/// each either accepted with a storable entry or refused the way the host answers 400. The benchmark project's
/// `fuzz` mode runs the same targets for longer. A failure prints CsCheck's seed and the shrunk input: add it to
/// <see cref="Found"/> when fixing the decoder, so it stays fixed.
/// </summary>
public sealed class DecoderFuzzTests
{
    private const int Iterations = 20_000;

    public static TheoryData<string> Targets => new(FuzzTargets.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Decoder_accepts_or_refuses_arbitrary_input_without_crashing(string name)
    {
        var target = FuzzTargets.All.Single(t => t.Name == name);
        target.Inputs.Sample(input => { target.Accepts(input); }, iter: Iterations, threads: 1);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_seed_is_accepted_as_valid_input(string name)
    {
        // The positive control: a target whose seeds were all refused would fuzz only the refusal path.
        var target = FuzzTargets.All.Single(t => t.Name == name);
        Assert.All(target.Seeds, seed => Assert.True(target.Accepts(seed), $"{name} refused its seed {System.Text.Encoding.UTF8.GetString(seed)}"));
    }
}
