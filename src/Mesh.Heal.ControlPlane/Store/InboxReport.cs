namespace Mesh.Heal.ControlPlane.Store;

/// <summary>A report a replica accepted, to append to the inbox.</summary>
internal sealed record InboxReport(string Service, string Instance, DateTimeOffset ReceivedAt, byte[] Report);
