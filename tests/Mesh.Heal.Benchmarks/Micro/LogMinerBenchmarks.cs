using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Mesh.Heal.Agents.Logs;
using Mesh.Heal.Benchmarks.Logs;

namespace Mesh.Heal.Benchmarks.Micro;

/// <summary>The bug fixer's log path on one thread: 10,000 lines of the labelled corpus per operation, through the template
/// miner alone, through the offline miner of <c>analyze logs --lines</c> (the online pass and its merges), and through the
/// record reader and the miner; lines/s is 10,000 over the mean.</summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class LogMinerBenchmarks
{
    public const int Lines = 10_000;
    private string[] _lines = [];
    private string[] _messages = [];

    [GlobalSetup]
    public void Setup()
    {
        var (lines, _) = new LogCorpus(1).Lines(Lines);
        _lines = [.. lines.Take(Lines)];
        _messages = [.. LogRecordReader.ReadAll(_lines).Select(r => r.Message)];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lines)]
    public int Miner()
    {
        var miner = new TemplateMiner();
        var last = 0;
        foreach (var message in _messages)
        {
            last = miner.Add(message).Id;
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public int OfflineMiner() => OfflineTemplateMiner.Mine(_messages).Templates.Count;

    [Benchmark(OperationsPerInvoke = Lines)]
    public int ReaderAndMiner()
    {
        var miner = new TemplateMiner();
        var last = 0;
        foreach (var record in LogRecordReader.ReadAll(_lines))
        {
            last = miner.Add(record.Message).Id;
        }

        return last;
    }

    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }
}
