namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private const string Pod = "pod=\"{@ns}/{@app}-{x:9-10}-{x:5}\"";

    private static LogFamily Kubelet => new()
    {
        Name = "kubelet",
        System = "Kubernetes kubelet 1.2x (klog structured InfoS/ErrorS)",
        Source = "kubernetes/kubernetes pkg/kubelet: kubelet.go (SyncLoop ADD/UPDATE/DELETE, Error syncing pod), pleg/generic.go, "
            + "prober/prober.go (Probe failed), kuberuntime/kuberuntime_container.go (Killing container with a grace period), "
            + "images/image_manager.go and events (Pulling image, Successfully pulled image ... in 1.2s), eviction/eviction_manager.go, "
            + "volume/util/operationexecutor/operation_generator.go (MountVolume.SetUp succeeded), status_manager.go klog.InfoS "
            + "calls; the message follows klog's \"I1205 10:41:02.123456 1234 file.go:123]\" header",
        Skew = 1.2,
        Lists = new Dictionary<string, string[]>
        {
            ["ns"] = ["default", "default", "kube-system", "monitoring", "payments", "ingress-nginx"],
            ["app"] = ["api", "web", "worker", "coredns", "prometheus-node-exporter", "checkout", "ingress-nginx-controller"],
            ["container"] = ["app", "api", "sidecar", "istio-proxy", "coredns", "controller", "node-exporter"],
            ["image"] = ["nginx:1.25.3", "registry.k8s.io/coredns/coredns:v1.10.1", "ghcr.io/acme/api:{x:7}", "quay.io/prometheus/node-exporter:v1.7.0", "docker.io/library/redis:7.2-alpine"],
            ["dur"] = ["{i:1-900}ms", "{f:1-60:3}s", "{i:1-5}m{i:0-59}.{d:3}s", "{f:0-1:9}s"],
            ["probe"] = ["Readiness", "Liveness", "Startup"],
            ["output"] = ["Get \\\"http://{ip}:{p:8080|9090|3000}/{p:healthz|ready|livez}\\\": dial tcp {ip}:{p:8080|9090|3000}: connect: connection refused", "Get \\\"http://{ip}:8080/healthz\\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", "HTTP probe failed with statuscode: {p:500|503|404}", "command timed out"],
            ["event"] = ["ContainerStarted", "ContainerDied", "ContainerRemoved"],
        },
        Tuned = new([DrainSettings.Ip, @"\d+(\.\d+)?(ms|s|m)\b", @"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"]),
        Events =
        [
            "\"SyncLoop (PLEG): event for pod\" " + Pod + " event={{ID:{uuid} Type:{@event} Data:{x:64}}}",
            "\"Probe failed\" probeType=\"{@probe}\" " + Pod + " podUID=\"{uuid}\" containerName=\"{@container}\" probeResult=\"failure\" output=\"{@output}\"",
            "\"SyncLoop UPDATE\" source=\"api\" pods=[\"{@ns}/{@app}-{x:9-10}-{x:5}\"]",
            "\"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"{@container}\\\" with CrashLoopBackOff: \\\"back-off {p:10s|20s|40s|1m20s|2m40s|5m0s} restarting failed container={@container} pod={@app}-{x:9-10}-{x:5}_{@ns}({uuid})\\\"\" " + Pod + " podUID=\"{uuid}\"",
            "\"SyncLoop (probe)\" probe=\"{p:readiness|liveness}\" status=\"{p:ready|unhealthy|}\" " + Pod,
            "\"Killing container with a grace period\" " + Pod + " podUID=\"{uuid}\" containerName=\"{@container}\" containerID=\"containerd://{x:64}\" gracePeriod={p:30|30|30|10|60}",
            "\"SyncLoop ADD\" source=\"api\" pods=[\"{@ns}/{@app}-{x:9-10}-{x:5}\"]",
            "\"SyncLoop DELETE\" source=\"api\" pods=[\"{@ns}/{@app}-{x:9-10}-{x:5}\"]",
            "\"SyncLoop REMOVE\" source=\"api\" pods=[\"{@ns}/{@app}-{x:9-10}-{x:5}\"]",
            "\"operationExecutor.MountVolume started for volume \\\"{p:kube-api-access|config|data}-{x:5}\\\" (UniqueName: \\\"kubernetes.io/{p:projected|configmap|secret}/{uuid}-{p:kube-api-access|config|data}-{x:5}\\\") pod \\\"{@app}-{x:9-10}-{x:5}\\\" (UID: \\\"{uuid}\\\") \" " + Pod,
            "\"MountVolume.SetUp succeeded for volume \\\"{p:kube-api-access|config|data}-{x:5}\\\" (UniqueName: \\\"kubernetes.io/{p:projected|configmap|secret}/{uuid}-{p:kube-api-access|config|data}-{x:5}\\\") pod \\\"{@app}-{x:9-10}-{x:5}\\\" (UID: \\\"{uuid}\\\") \" " + Pod,
            "\"Pulling image\" image=\"{@image}\"",
            "\"Successfully pulled image\" image=\"{@image}\" duration=\"{@dur}\" imageSize={z:1000000-900000000}",
            "\"Container exited with a non-zero code\" " + Pod + " containerName=\"{@container}\" exitCode={p:1|1|2|137|143}",
            "\"RemoveContainer\" containerID=\"{x:64}\"",
            "\"ContainerStatus from runtime service failed\" err=\"rpc error: code = NotFound desc = an error occurred when try to find container \\\"{x:64}\\\": not found\" containerID=\"{x:64}\"",
            "\"Eviction manager: attempting to reclaim\" resourceName=\"{p:ephemeral-storage|memory|nodefs.inodefree}\"",
            "\"Eviction manager: must evict pod(s) to reclaim\" resourceName=\"{p:ephemeral-storage|memory}\"",
            "\"Eviction manager: pods evicted, waiting for pod to be cleaned up\" pods=[\"{@ns}/{@app}-{x:9-10}-{x:5}\"]",
            "\"Status for pod updated successfully\" " + Pod + " statusVersion={i:1-40} status={{Phase:{p:Running|Pending|Succeeded|Failed} Conditions:[] Message: Reason: HostIP:{ip} PodIP:{ip} StartTime:{date} {hms} +0000 UTC}}",
            "\"Failed to get system container stats\" err=\"failed to get cgroup stats for \\\"/system.slice/{p:docker|containerd|kubelet}.service\\\": failed to get container info for \\\"/system.slice/{p:docker|containerd|kubelet}.service\\\": unknown container \\\"/system.slice/{p:docker|containerd|kubelet}.service\\\"\" containerName=\"/system.slice/{p:docker|containerd|kubelet}.service\"",
            "\"Image garbage collection succeeded\"",
            "\"Image garbage collection failed once. Stats initialization may not have completed yet\" err=\"invalid capacity 0 on image filesystem\"",
            "\"Node became not ready\" node=\"{p:node|worker|ip-10-0}-{i:1-40}\" condition={{Type:Ready Status:False LastHeartbeatTime:{date} {hms} +0000 UTC Reason:KubeletNotReady Message:{p:PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s|container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady}}}",
            "\"Recording event message for node\" node=\"{p:node|worker}-{i:1-40}\" event=\"{p:NodeHasSufficientMemory|NodeHasNoDiskPressure|NodeHasSufficientPID|NodeReady|NodeNotReady}\"",
            "\"Starting kubelet\"",
            "\"Kubelet version\" kubeletVersion=\"v1.2{i:5-9}.{i:0-9}\"",
            "\"Attempting to register node\" node=\"{p:node|worker}-{i:1-40}\"",
            "\"Successfully registered node\" node=\"{p:node|worker}-{i:1-40}\"",
            "\"Unable to read config path\" err=\"path does not exist, ignoring\" path=\"/etc/kubernetes/manifests\"",
            "\"Orphaned pod found, removing pod cgroups\" podUID=\"{uuid}\"",
            "\"Cleaned up orphaned pod volumes dir\" podUID=\"{uuid}\" path=\"/var/lib/kubelet/pods/{uuid}/volumes\"",
            "\"Nameserver limits exceeded\" err=\"Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: {many:3-3: :ip}\"",
        ],
    };
}
