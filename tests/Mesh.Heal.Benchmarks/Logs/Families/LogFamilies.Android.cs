namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private static LogFamily Android => new()
    {
        Name = "android",
        System = "Android 7-9 logcat (framework + ART)",
        Source = "AOSP frameworks/base services: ActivityManagerService/ProcessList (Start proc, Killing, has died, Force stopping), "
            + "ActivityStarter (START u0 {...}), ActivityRecord (Displayed +Nms), ActiveServices, PowerManagerService (wake locks), "
            + "WindowManagerService, InputDispatcher (C++ ALOGE), core/java/android/view/Choreographer.java (Skipping frames); "
            + "art/runtime/gc/heap.cc (GC freed ...); bionic/system/core property_service (Access denied finding property); "
            + "frameworks/base/services/core/java/com/android/server/wifi, BatteryService, AudioService Slog/Log calls",
        Skew = 1.15,
        Lists = new Dictionary<string, string[]>
        {
            ["pkg"] = ["com.android.systemui", "com.google.android.gms", "com.android.phone", "com.tencent.mm", "com.whatsapp", "com.android.chrome", "com.google.android.gms.persistent", "com.android.settings", "com.example.stepcounter", "com.huawei.health"],
            ["cls"] = ["MainActivity", "ui.LauncherUI", "SplashActivity", "settings.SubSettings", "service.SyncService", "gcm.GcmService", "chime.GmsIntentOperationService", "plugin.ScanReceiver"],
            ["hosting"] = ["activity", "service", "broadcast", "content provider", "backup", "restart"],
            ["tag"] = ["*alarm*", "AudioMix", "NlpWakeLock", "*job*/com.google.android.gms/.gcm.nts.TaskExecutionService", "GCoreFlp", "WakefulIntentService[GCoreUlr-LocationReportingService]", "SyncLoopWakeLock", "Icing"],
            ["reason"] = ["empty #{i:17-40}", "cch-empty", "remove task", "depends on provider com.google.android.gms/.chimera.GmsIntentOperationService in dying proc", "excessive wake held"],
            ["gc"] = ["Background concurrent copying", "Background concurrent copying", "Background concurrent copying", "Background young concurrent copying", "Background young concurrent copying", "Explicit concurrent copying", "Alloc concurrent copying"],
            ["stop"] = ["from pid {pid}", "clear data", "installPackageLI", "deletePackageX"],
            ["prop"] = ["persist.vendor.sys.fp.info", "ro.vendor.hwui.texture_cache_size", "persist.sys.dalvik.vm.lib.2", "vendor.debug.egl.swapinterval", "ro.hardware.chipname"],
        },
        Tuned = new([@"(/[\w-]+)+", @"([\w-]+\.){2,}[\w-]+", @"\b(\-?\+?\d+)\b|\b0[Xx][a-fA-F\d]+\b|\b[a-fA-F\d]{4,}\b"], Similarity: 0.2, Depth: 6),
        Events =
        [
            "acquire lock={d:9}, flags=0x1, tag=\"{@tag}\", name={@pkg}, ws=WorkSource{{{i:1000-10200}}}, uid={i:1000-10200}, pid={pid}",
            "release lock={d:9}, flags=0x1, tag=\"{@tag}\", name={@pkg}, ws=WorkSource{{{i:1000-10200}}}, uid={i:1000-10200}, pid={pid}",
            "{@gc} GC freed {z:1-200000}({z:1-60000}KB) AllocSpace objects, {i:0-40}({z:1-9000}KB) LOS objects, {i:10-60}% free, {i:2-90}MB/{i:4-180}MB, paused {z:30-9000}us total {f:1-900:3}ms",
            "Skipping {z:30-900} frames!  The application may be doing too much work on its main thread.",
            "Access denied finding property \"{@prop}\"",
            "Start proc {pid}:{@pkg}/u0a{i:10-300} for {@hosting} {@pkg}/.{@cls}",
            "Displayed {@pkg}/.{@cls}: +{p:|1s}{i:10-999}ms",
            "START u0 {{act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] flg=0x{x:8} cmp={@pkg}/.{@cls}}} from uid {i:1000-10200}",
            "Killing {pid}:{@pkg}/u0a{i:10-300} (adj {i:0-999}): {@reason}",
            "Process {@pkg} (pid {pid}) has died: {p:cch|prcp|fore|vis|svc} {p:CRE|TOP|SVC|CEM|BFGS}",
            "Scheduling restart of crashed service {@pkg}/.{@cls} in {z:1000-600000}ms",
            "Force stopping {@pkg} appid={i:10000-10300} user=0: {@stop}",
            "setSystemUiVisibility vis=0 mask=0x{x:1} oldVal=0x{x:8} newVal=0x{x:8} diff=0x{x:8} fullscreenStackVis=0 dockedStackVis=0, fullscreenStackBounds=Rect(0, 0 - 0, 0), dockedStackBounds=Rect(0, 0 - 0, 0)",
            "channel '{x:7} {@pkg}/{@pkg}.{@cls} (server)' ~ Channel is unrecoverably broken and will be disposed!",
            "Unable to start service Intent {{ act={@pkg}.{p:SYNC|BIND|START} pkg={@pkg} }} U=0: not found",
            "Slow operation: {z:50-4000}ms so far, now at startProcess: {p:returned from zygote!|done updating battery stats|building log message|done updating pids map}",
            "Slow dispatch took {z:100-9000}ms main h=com.android.server.am.ActivityManagerService$MainHandler c=null m={i:1-80}",
            "handleMessage: what={i:1-40}",
            "interceptKeyBeforeQueueing: key {i:3-300} , result : {i:0-1}",
            "updateBatteryPropertiesLocked: level={i:0-100} scale=100 status={i:1-5} health=2 present=true voltage={i:3500-4400} temperature={i:200-450}",
            "Setting airplane mode to {p:true|false}",
            "setWifiEnabled: {p:true|false} pid={pid}, uid={i:1000-10200}, package={@pkg}",
            "WifiStateMachine: {p:ConnectedState|DisconnectedState|ObtainingIpState|L2ConnectedState} !CMD_RSSI_POLL",
            "Dropping event because there is no touchable window at ({i:0-1080}, {i:0-2340}).",
            "Window{{{x:7} u0 {@pkg}/{@pkg}.{@cls}}} Failed to dispatch: Application is not responding",
            "ANR in {@pkg} (/.{@cls})",
            "Unable to find app for caller android.app.IApplicationThread$Stub$Proxy@{x:7} (pid={pid}) when publishing content providers",
            "getStreamVolume {i:0-10} index {i:0-150}",
            "Rejecting re-init on previously-failed class java.lang.Class<{@pkg}.{@cls}>: java.lang.NoClassDefFoundError: Failed resolution of: Landroid/{p:webkit/TracingController|view/textclassifier/TextClassifier};",
            "The application may be doing too much work on its main thread.",
            "Background start not allowed: service Intent {{ act={@pkg}.{p:SYNC|BIND} cmp={@pkg}/.{@cls} }} to {@pkg}/.{@cls} from pid={pid} uid={i:10000-10300} pkg={@pkg}",
            "Failed to register native method {@pkg}.{@cls}.native{p:Init|Open|Read}(J)V in /data/app/{@pkg}-{b64:22}==/base.apk",
            "Not launching app because it is not installed",
            "Screen frozen for +{i:100-999}ms due to Window{{{x:7} u0 {@pkg}/{@pkg}.{@cls}}}",
            "Config changes=480 {{1.0 ?mcc?mnc [en_US] ldltr sw411dp w411dp h797dp 420dpi nrml long port finger -keyb/v/h -nav/h winConfig={{ mBounds=Rect(0, 0 - 1080, 2220) mAppBounds=Rect(0, 0 - 1080, 2094) mWindowingMode=fullscreen mActivityType=undefined}} s.{i:5-900}}}",
        ],
    };
}
