using Mesh.Heal.ControlPlane.Hosting;

try
{
    var app = ControlPlaneHost.Build(args);
    await app.RunAsync();
    return 0;
}
catch (ControlPlaneConfigurationException ex)
{
    await Console.Error.WriteLineAsync("mesh-heal control plane: " + ex.Message);
    return 2;
}
