using System.Globalization;
using System.Runtime.InteropServices;

namespace Mesh.Heal.Demo;

/// <summary>A memory leak on demand for <c>meshctl upstream</c>: native blocks allocated at a steady rate and touched, so the
/// process's resident memory really grows, a cleanup hook that frees them, and an optional limit past which the process
/// dies as a container's out-of-memory kill would end it.</summary>
/// <remarks>
/// The memory is native (not the GC heap) so that what is freed leaves the resident set at once and a chart of it is the
/// leak itself, not the collector's timing. Resident memory is read from <c>/proc/self/statm</c> on Linux.
/// </remarks>
internal sealed class UpstreamMemory : IDisposable
{
    private const int PageSize = 4096;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly Lock _lock = new();
    private readonly List<(nint Block, long Bytes)> _blocks = [];
    private readonly long? _limit;
    private readonly Action<string> _outOfMemory;
    private readonly ITimer _timer;
    private long _rate;
    private long _leaked;
    private long _peak;

    public UpstreamMemory(long? limit, Action<string> outOfMemory, TimeProvider time)
    {
        _limit = limit;
        _outOfMemory = outOfMemory;
        _timer = time.CreateTimer(_ => OnTick(), null, Tick, Tick);
    }

    /// <summary>Bytes leaked per second; 0 stops the leak (what is held stays).</summary>
    public long Rate
    {
        get => Interlocked.Read(ref _rate);
        set => Interlocked.Exchange(ref _rate, Math.Max(0, value));
    }

    /// <summary>Bytes held by the leak now.</summary>
    public long Leaked => Interlocked.Read(ref _leaked);

    /// <summary>The resident set size now, in bytes.</summary>
    public static long Resident()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return Environment.WorkingSet;
        }
    }

    /// <summary>Frees what the leak holds (the service's cleanup hook); a leak still running goes on from there.</summary>
    /// <returns>The bytes freed.</returns>
    public long Free()
    {
        lock (_lock)
        {
            foreach (var (block, _) in _blocks)
            {
                Marshal.FreeHGlobal(block);
            }

            _blocks.Clear();
            return Interlocked.Exchange(ref _leaked, 0);
        }
    }

    /// <summary>The metrics in Prometheus text format: resident memory, its peak and limit, and what the leak holds.</summary>
    public string Metrics()
    {
        var resident = Resident();
        var peak = Math.Max(Interlocked.Read(ref _peak), resident);
        var text = string.Create(CultureInfo.InvariantCulture, $"""
            # HELP process_resident_memory_bytes Resident memory size in bytes.
            # TYPE process_resident_memory_bytes gauge
            process_resident_memory_bytes {resident}
            # HELP meshheal_upstream_peak_resident_bytes The highest resident memory seen since start.
            # TYPE meshheal_upstream_peak_resident_bytes gauge
            meshheal_upstream_peak_resident_bytes {peak}
            # HELP meshheal_upstream_leaked_bytes Memory held by the leak on demand.
            # TYPE meshheal_upstream_leaked_bytes gauge
            meshheal_upstream_leaked_bytes {Leaked}

            """);
        return _limit is { } limit
            ? text + string.Create(CultureInfo.InvariantCulture, $"# HELP meshheal_upstream_memory_limit_bytes The memory limit past which the process dies.\n# TYPE meshheal_upstream_memory_limit_bytes gauge\nmeshheal_upstream_memory_limit_bytes {limit}\n")
            : text;
    }

    public void Dispose()
    {
        _timer.Dispose();
        Free();
    }

    private void OnTick()
    {
        var bytes = Rate * (long)Tick.TotalMilliseconds / 1000;
        if (bytes > 0)
        {
            lock (_lock)
            {
                var block = Marshal.AllocHGlobal((nint)bytes);
                for (long i = 0; i < bytes; i += PageSize)
                {
                    Marshal.WriteByte(block, (int)i, 1);
                }

                _blocks.Add((block, bytes));
                Interlocked.Add(ref _leaked, bytes);
            }
        }

        var resident = Resident();
        if (resident > Interlocked.Read(ref _peak))
        {
            Interlocked.Exchange(ref _peak, resident);
        }

        if (_limit is { } limit && resident > limit)
        {
            _outOfMemory($"out of memory: resident {resident} bytes over the limit of {limit}");
        }
    }
}
