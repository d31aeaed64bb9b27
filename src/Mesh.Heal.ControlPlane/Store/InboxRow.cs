namespace Mesh.Heal.ControlPlane.Store;

/// <summary>A row of the inbox.</summary>
internal sealed record InboxRow(long Id, string Replica, string Service, string Instance, DateTimeOffset ReceivedAt, byte[] Report);
