using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Hosting;

try
{
    var app = SidecarHost.Build(args);
    await app.RunAsync();
    return 0;
}
catch (SidecarConfigurationException ex)
{
    await Console.Error.WriteLineAsync("mesh-heal sidecar: " + ex.Message);
    return 2;
}
