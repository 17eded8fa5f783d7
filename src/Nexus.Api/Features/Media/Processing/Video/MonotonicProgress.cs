namespace Nexus.Api.Features.Media.Processing.Video;

/// <summary>
/// Passes on 0–100 that never goes back: an operation of several ffmpeg runs maps each onto its own span
/// (<see cref="Span"/>), and ffmpeg's output time can step back a little when streams interleave.
/// </summary>
public sealed class MonotonicProgress(IProgress<double> target) : IProgress<double>
{
    private readonly Lock _lock = new();
    private double _last = -1;

    public void Report(double value)
    {
        value = Math.Clamp(value, 0, 100);
        lock (_lock)
        {
            // A tenth of a percent is finer than any progress bar; fewer reports mean fewer pushes to subscribers.
            if (value < _last + 0.1 && !(value >= 100 && _last < 100))
            {
                return;
            }

            _last = value;
            target.Report(value);
        }
    }

    /// <summary>A run's own 0–100 mapped onto [<paramref name="from"/>, <paramref name="to"/>] of the whole.</summary>
    public IProgress<double> Span(double from, double to) => new SpanProgress(this, from, to);

    private sealed class SpanProgress(MonotonicProgress whole, double from, double to) : IProgress<double>
    {
        public void Report(double value) => whole.Report(from + (to - from) * Math.Clamp(value, 0, 100) / 100);
    }
}
