namespace Mesh.Heal.Healing;

/// <summary>How much harm an action could do if it were wrong; decides whether it applies by itself.</summary>
public enum ActionRisk
{
    /// <summary>Small and reversible at once (turn a fallback on, tighten a timeout): applied automatically unless dry-run.</summary>
    Low = 0,

    /// <summary>Visible to the service (restart a pod, change capacity): waits for an operator's approval.</summary>
    Medium = 1,

    /// <summary>Changes code or data (a patch, a migration): waits for approval and is never merged by Mesh.Heal.</summary>
    High = 2,
}
