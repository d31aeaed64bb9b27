namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>On a redirected inbound connection: the application's address on the port the connection was meant for, as a
/// forwarding prefix (<c>http://127.0.0.1:9090</c>), made once per connection.</summary>
/// <param name="Prefix">The forwarding prefix.</param>
internal sealed record InboundTargetFeature(string Prefix);
