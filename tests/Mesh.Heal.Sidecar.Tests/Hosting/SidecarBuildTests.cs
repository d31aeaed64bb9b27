using System.Text.Json;
using Mesh.Heal.Sidecar.Hosting;

namespace Mesh.Heal.Sidecar.Tests.Hosting;

/// <summary>Settings of the sidecar's own build that its JIT process (dotnet Mesh.Heal.Sidecar.dll) runs with.</summary>
public class SidecarBuildTests
{
    [Fact]
    public void RuntimeConfig_ReflectionJson_IsOff()
    {
        // A JSON type that misses a source-generated context must fail in the JIT build and tests too, as it would in
        // the NativeAOT executable, instead of silently falling back to reflection.
        var path = Path.ChangeExtension(typeof(SidecarHost).Assembly.Location, ".runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));

        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.False(properties.GetProperty("System.Text.Json.JsonSerializer.IsReflectionEnabledByDefault").GetBoolean());
    }

    [Fact]
    public void ConfigurationBinding_IsSourceGenerated()
    {
        // The binder's source generator intercepts the sidecar's Bind calls with generated code (no reflection, safe to
        // trim); without it the sidecar's options would be bound by reflection in the JIT build and could lose
        // members in the NativeAOT one.
        var generated = typeof(SidecarHost).Assembly.GetTypes()
            .Where(t => t.Namespace == "Microsoft.Extensions.Configuration.Binder.SourceGeneration" && t.Name.EndsWith("BindingExtensions", StringComparison.Ordinal))
            .ToList();

        var binder = Assert.Single(generated);
        Assert.Contains(binder.GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic),
            m => m.Name == "BindCore" && m.GetParameters().Any(p => (p.ParameterType.IsByRef ? p.ParameterType.GetElementType() : p.ParameterType) == typeof(SidecarOptions)));
    }
}
