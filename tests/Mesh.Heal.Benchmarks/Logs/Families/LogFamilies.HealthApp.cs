namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private static LogFamily HealthApp => new()
    {
        Name = "health-app",
        System = "Mobile step-counter/health app (Android app logs)",
        HeldOut = true,
        Source = "No public source: written after the Android SDK's sensor and alarm APIs such an app calls (SensorManager."
            + "registerListener, SensorEventListener.onSensorChanged with Sensor.TYPE_STEP_COUNTER/TYPE_STEP_DETECTOR, "
            + "AlarmManager, BroadcastReceiver for ACTION_SCREEN_ON/OFF and ACTION_DATE_CHANGED) and the terse method-name-"
            + "plus-values style of app debug logs (android.util.Log.d with string concatenation)",
        Skew = 1.2,
        Lists = new Dictionary<string, string[]>
        {
            ["reason"] = ["screen_off", "timer", "date_changed", "app_exit", "flush"],
        },
        Tuned = new([], Similarity: 0.2),
        Events =
        [
            "onSensorChanged type=19 values={z:1000-900000} timestamp={d:15}",
            "onStepChanged total={z:1-30000} delta={i:1-40}",
            "processStepData today={z:1-30000} lastSaved={z:1-30000} offset={i:-500-500}",
            "calcCalories steps={z:1-30000} weight={f:40-120:1} result={f:0-900:2}kcal",
            "calcDistance steps={z:1-30000} stride={i:55-85}cm result={f:0-25:3}km",
            "saveStepRecord begin={d:13}##end={d:13}##steps={z:1-3000}##type={i:1-4}",
            "screen state changed: {p:ON|OFF|USER_PRESENT}",
            "flushCacheToDb reason={@reason} records={i:0-120} cost={z:1-900}ms",
            "isStepCounterAvailable true",
            "registerListener sensor=Step Counter delay={p:0|1|2|3} ret=true",
            "unregisterListener sensor=Step Counter",
            "setAlarm type=RTC_WAKEUP trigger={d:13} interval={p:60000|300000|900000}",
            "onReceive action=android.intent.action.{p:SCREEN_ON|SCREEN_OFF|DATE_CHANGED|TIME_SET|BATTERY_LOW}",
            "heartRate value={i:45-190}bpm quality={i:0-3} source={p:watch|band|phone}",
            "syncToCloud start records={i:0-500}",
            "syncToCloud result={p:true|false} code={p:0|0|0|401|500|-1} cost={z:50-9000}ms",
            "uploadSleepData start={d:13} end={d:13} deep={i:0-300}min light={i:0-400}min awake={i:0-60}min",
            "getTodaySteps={z:0-30000}",
            "getGoal={p:6000|8000|10000|12000} achieved={p:true|false}",
            "notifyWidget steps={z:0-30000} calories={f:0-900:1} distance={f:0-25:2}",
            "showNotification id={i:1-9} title=Daily goal reached text=You walked {z:6000-30000} steps today",
            "sensor timestamp rollback last={d:15} now={d:15}",
            "step counter reset detected: last={z:1000-900000} now={i:0-999} reboot={p:true|false}",
            "DB upgrade from {i:1-20} to {i:2-21}",
            "loadUserProfile uid={d:10} name={name} height={i:140-200} weight={f:40-120:1} gender={p:0|1}",
            "login success uid={d:10} token={x:32}",
            "login failed uid={d:10} error=Network is unreachable",
            "requestPermission ACTIVITY_RECOGNITION granted={p:true|false}",
            "onTrimMemory level={p:5|10|15|20|40|60|80}",
            "appStart coldStart={p:true|false} cost={z:100-5000}ms",
            "WorkoutSession start type={p:RUN|WALK|CYCLE|HIKE} id={uuid}",
            "WorkoutSession end id={uuid} duration={i:0-23}:{i:10-59}:{i:10-59} steps={z:0-30000}",
            "GPS fix lat={f:-80-80:6} lon={f:-170-170:6} accuracy={f:1-80:1}m",
            "ANR watchdog: main thread blocked {z:500-9000}ms",
            "stepDetectorCount {z:1-30000}",
            "stepCounterCount {z:1-900000}",
            "setTodayData={d:13}##{z:1-30000}##{z:1-900000}##{z:1-30000}##{z:1-99999}",
            "onBatteryChanged level={i:1-100}% plugged={p:0|0|0|1|2}",
            "checkInsertStatus ok",
            "checkInsertStatus fail, retry={i:1-3}",
            "v2SyncManager start",
            "v2SyncManager finish cost {z:20-20000}ms",
            "timeChanged from {d:13} to {d:13}",
            "deleteOldData before {date} rows={i:0-900}",
            "uploadStaticsToDB isSuccess={p:true|false}",
            "screen on, resume step sensor",
            "screen off, delay step sensor {p:30|60|120}s",
        ],
    };
}
