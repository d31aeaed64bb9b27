using Google.Protobuf.Reflection;

namespace Mesh.Heal.Protocol.Tests.Proto;

/// <summary>proto/ alone is enough for any toolchain: plain protoc with only proto/ and its own well-known types.</summary>
public sealed class SelfContainedTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("meshheal-proto-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Protoc_OnlyProtoDirectory_CompilesEveryFile()
    {
        var (protoc, include) = ProtoTools.Protoc();
        var output = Path.Combine(_temp.FullName, "meshheal.binpb");
        var files = ProtoTools.ProtoFiles(ProtoTools.ProtoDirectory);

        var result = await ProtoTools.RunAsync(protoc, ProtoTools.ProtoDirectory,
            ["-I", ProtoTools.ProtoDirectory, "-I", include, "--include_imports", "-o", output, .. files]);

        Assert.True(result.ExitCode == 0, result.Output);
        var set = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(output));
        var names = set.File.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("meshheal/v1/control.proto", names);
        Assert.Contains("google/api/annotations.proto", names);
        Assert.Contains("google/api/httpbody.proto", names);
        // Every import resolves to a file in proto/ or to a well-known type that ships with every protoc.
        Assert.All(names, n => Assert.True(files.Contains(n) || n.StartsWith("google/protobuf/", StringComparison.Ordinal), n));
    }

    [Fact]
    public async Task Protoc_WithoutVendoredGoogleApi_Fails()
    {
        // The check above can fail: a copy of proto/ without google/api is not self-contained.
        CopyDirectory(ProtoTools.ProtoDirectory, _temp.FullName);
        Directory.Delete(Path.Combine(_temp.FullName, "google", "api"), recursive: true);
        var (protoc, include) = ProtoTools.Protoc();

        var result = await ProtoTools.RunAsync(protoc, _temp.FullName,
            ["-I", _temp.FullName, "-I", include, "-o", Path.Combine(_temp.FullName, "out.binpb"), .. ProtoTools.ProtoFiles(_temp.FullName)]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("google/api/annotations.proto", result.Output);
    }

    [Fact]
    public void VendoredGoogleApi_KeepsLicence()
    {
        var api = Path.Combine(ProtoTools.ProtoDirectory, "google", "api");
        Assert.Contains("Apache License", File.ReadAllText(Path.Combine(api, "LICENSE")));
        Assert.All(Directory.GetFiles(api, "*.proto"), f => Assert.Contains("Licensed under the Apache License, Version 2.0", File.ReadAllText(f)));
    }

    internal static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
