namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    // The message part follows oslo.log's context ([req-... user project - - -]), which is a header field, as the LogPAI
    // format for OpenStack takes it; an instance's lines open with oslo.log's "[instance: uuid] ".
    private const string Inst = "[instance: {uuid}]";

    private static LogFamily OpenStack => new()
    {
        Name = "openstack",
        System = "OpenStack Nova (api, compute, metadata)",
        Source = "openstack/nova: api/openstack/wsgi.py and oslo.service wsgi ('\"%s\" status: %s len: %s time: %.7f'), "
            + "compute/manager.py (Took %0.2f seconds to spawn/build/destroy, VM %s (Lifecycle Event), sync_power_state), "
            + "compute/claims.py (Attempting claim, Total memory/disk/vcpu, Claim successful), compute/resource_tracker.py "
            + "(Auditing, Final resource view), virt/imagecache.py, virt/libvirt/driver.py; oslo.log context format",
        Skew = 1.1,
        Lists = new Dictionary<string, string[]>
        {
            ["api"] = ["/v2/{x:32}/servers/detail", "/v2/{x:32}/servers/detail?changes-since={date}T{hms}.{d:6}%2B00%3A00", "/v2/{x:32}/servers/{uuid}", "/v2/{x:32}/os-server-external-events", "/v2/{x:32}/flavors/{i:1-5}", "/v2.1/{x:32}/servers/{uuid}/action"],
            ["client"] = ["{ip}", "{ip}", "{ip},{ip}"],
            ["url"] = ["{@api}", "{@api}", "{@meta}"],
            ["meta"] = ["/openstack/2013-10-17/meta_data.json", "/openstack/2013-10-17/vendor_data.json", "/openstack/2013-10-17/user_data", "/latest/meta-data/", "/latest/meta-data/{p:hostname|instance-id|local-ipv4|public-keys/|ami-launch-index|placement/availability-zone}", "/openstack/2013-10-17"],
            ["disk"] = ["/dev/vda1", "/var/lib/nova/instances/{uuid}/disk"],
            ["life"] = ["Started", "Stopped", "Paused", "Resumed"],
            ["host"] = ["cp-1.slowvm1.tcloud-pg0.utah.cloudlab.us", "cp-2.slowvm1.tcloud-pg0.utah.cloudlab.us", "compute-07.rack3.example.org"],
        },
        Tuned = new([@"((\d+\.){3}\d+,?)+", @"/.+?\s", @"\d+"], Similarity: 0.5, Depth: 5),
        Events =
        [
            "{@client} \"GET {@url} HTTP/1.1\" status: {p:200|200|200|200|404} len: {z:100-2000} time: {f:0-1:7}",
            "{ip} \"POST /v2/{x:32}/os-server-external-events HTTP/1.1\" status: 200 len: {z:200-400} time: {f:0-1:7}",
            "[instance: {uuid}] VM {@life} (Lifecycle Event)",
            "[instance: {uuid}] During sync_power_state the instance has a pending task ({p:spawning|deleting|powering-off}). Skip.",
            Inst + " Attempting claim: memory {p:512|2048|4096} MB, disk {p:1|20|40} GB, vcpus {p:1|2|4} CPU",
            Inst + " Total memory: {p:64172|128939} MB, used: {f:512-60000:2} MB",
            Inst + " memory limit: {f:90000-200000:2} MB, free: {f:1000-190000:2} MB",
            Inst + " Total disk: {p:15|250|500} GB, used: {f:0-200:2} GB",
            Inst + " disk limit: {f:15-500:2} GB, free: {f:0-500:2} GB",
            Inst + " Total vcpu: {p:16|32} VCPU, used: {f:0-30:2} VCPU",
            Inst + " vcpu limit not specified, defaulting to unlimited",
            Inst + " Claim successful",
            Inst + " Creating image",
            Inst + " Took {f:5-40:2} seconds to spawn the instance on the hypervisor.",
            Inst + " Took {f:5-50:2} seconds to build instance.",
            Inst + " Terminating instance",
            "[instance: {uuid}] Instance destroyed successfully.",
            Inst + " Took {f:0-3:2} seconds to destroy the instance on the hypervisor.",
            Inst + " Deleting instance files /var/lib/nova/instances/{uuid}_del",
            Inst + " Deletion of /var/lib/nova/instances/{uuid}_del complete",
            Inst + " Took {f:0-3:2} seconds to deallocate network for instance.",
            "Auditing locally available compute resources for node {@host}",
            "Final resource view: name={@host} phys_ram={p:64172|128939}MB used_ram={z:512-60000}MB phys_disk={p:15|250}GB used_disk={i:0-200}GB total_vcpus={p:16|32} used_vcpus={i:0-30} pci_stats=[]",
            "Compute_service record updated for {@host}:{@host}",
            "Total usable vcpus: {p:16|32}, total allocated vcpus: {i:0-30}",
            "image {uuid} at (/var/lib/nova/instances/_base/{x:40}): checking",
            "image {uuid} at (/var/lib/nova/instances/_base/{x:40}): in use: on this node {i:0-9} local, {i:0-3} on other nodes sharing this instance storage",
            "Active base files: /var/lib/nova/instances/_base/{x:40}",
            "Removable base files: /var/lib/nova/instances/_base/{x:40}",
            "Base or swap file too young to remove: /var/lib/nova/instances/_base/{x:40}",
            "Unknown base file: /var/lib/nova/instances/_base/{x:40}",
            "Running instance usage audit for host {@host} from {date} {hms} to {date} {hms}. {i:0-40} instances.",
            "While synchronizing instance power states, found {i:0-40} instances in the database and {i:0-40} instances on the hypervisor.",
            "Successfully synced instances from host '{@host}'.",
            "HTTP exception thrown: Instance {uuid} could not be found.",
            "{ip} \"DELETE /v2/{x:32}/servers/{uuid} HTTP/1.1\" status: 204 len: 203 time: {f:0-1:7}",
            "{ip} \"POST /v2/{x:32}/servers HTTP/1.1\" status: 202 len: {z:700-800} time: {f:0-2:7}",
            Inst + " Instance spawned successfully.",
            Inst + " Instance failed to spawn",
            Inst + " Unable to find a mounted disk with {p:file path|uuid} {@disk}",
            "Received event network-vif-plugged-{uuid} for instance {uuid}",
            "Updating bandwidth usage cache",
            "Running periodic task ComputeManager.{p:_poll_rebooting_instances|_check_instance_build_time|_heal_instance_info_cache|_poll_volume_usage|_cleanup_running_deleted_instances|update_available_resource}",
        ],
    };
}
