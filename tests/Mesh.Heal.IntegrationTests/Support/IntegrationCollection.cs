namespace Mesh.Heal.IntegrationTests.Support;

/// <summary>Integration tests run one at a time: they start real hosts, and two cores are shared with the hosts they start.</summary>
[CollectionDefinition(nameof(IntegrationCollection), DisableParallelization = true)]
public sealed class IntegrationCollection;
