namespace Mesh.Heal.Agents.Logs;

/// <summary>Classifies an error into null-pointer, timeout, validation, resource exhaustion, dependency failure or unknown,
/// from its exception chain, its message, and what the sidecars saw at the same time.</summary>
/// <remarks>
/// Rules are tried on the root cause's type first, then on the wrappers around it, then on the message: a type is
/// stronger evidence than a word. Resource rules come before timeout rules, so "timeout obtaining a connection from the
/// pool" is exhaustion of the pool, not a slow dependency. Telemetry only corroborates (a few hundredths of confidence) or,
/// when nothing in the text decides, suggests a timeout or a dependency failure at low confidence.
/// </remarks>
public static class RootCauseClassifier
{
    /// <summary>The causes, as findings name them (<c>bug.null-pointer</c>).</summary>
    public static readonly IReadOnlyList<string> Causes = ["null-pointer", "timeout", "validation", "resource-exhaustion", "dependency-failure", "unknown"];

    private static readonly Rule[] TypeRules =
    [
        new("resource-exhaustion", 0.95, "OutOfMemoryException", "OutOfMemoryError", "MemoryError", "InsufficientExecutionStackException", "StackOverflowError",
            "StackOverflowException", "RejectedExecutionException", "InsufficientMemoryException", "RecursionError"),
        new("null-pointer", 0.95, "NullReferenceException", "NullPointerException"),
        new("null-pointer", 0.75, "ArgumentNullException"),
        new("timeout", 0.92, "TimeoutException", "SocketTimeoutException", "TimeoutError", "ReadTimeout", "ConnectTimeout", "Timeout", "TimeoutRejectedException",
            "HttpTimeoutException", "ReadTimeoutError", "ConnectTimeoutError", "DeadlineExceeded", "TimeoutCancellationException"),
        new("validation", 0.88, "ArgumentException", "ArgumentOutOfRangeException", "FormatException", "ValidationException", "JsonException", "BadHttpRequestException",
            "IllegalArgumentException", "NumberFormatException", "ConstraintViolationException", "MethodArgumentNotValidException", "DateTimeParseException",
            "JsonParseException", "MismatchedInputException", "InvalidFormatException", "ValueError", "ValidationError", "UnicodeDecodeError", "JSONDecodeError",
            "OverflowException", "InvalidDataException"),
        new("dependency-failure", 0.88, "HttpRequestException", "SocketException", "ConnectException", "UnknownHostException", "ConnectionRefusedError",
            "ConnectionError", "ConnectionResetError", "MaxRetryError", "NewConnectionError", "SqlException", "NpgsqlException", "MySqlException",
            "RedisConnectionException", "BrokenCircuitException", "IsolatedCircuitException", "HttpHostConnectException", "NoRouteToHostException",
            "ServiceUnavailableException", "BrokenPipeError", "RemoteDisconnected", "CommunicationsException", "JedisConnectionException",
            "ResourceAccessException", "HttpServerErrorException", "OperationalError"),
        new("validation", 0.6, "KeyError", "InvalidCastException", "ClassCastException", "IndexOutOfRangeException", "ArrayIndexOutOfBoundsException", "IndexError"),
    ];

    // Text rules: words of the message (any language, Go panics above all) and of the whole trace.
    private static readonly Rule[] TextRules =
    [
        new("resource-exhaustion", 0.9, "out of memory", "too many open files", "no space left on device", "cannot allocate memory", "gc overhead limit exceeded",
            "java heap space", "unable to create native thread", "unable to create new native thread", "pool exhausted", "obtaining a connection from the pool",
            "connection pool", "thread pool starvation", "resource temporarily unavailable", "maximum recursion depth", "goroutine stack exceeds"),
        new("null-pointer", 0.95, "nil pointer dereference", "'nonetype' object", "object reference not set to an instance", "because \"", "is null", "null reference"),
        new("timeout", 0.9, "context deadline exceeded", "i/o timeout", "client.timeout exceeded", "timed out", "timeout of", "httpclient.timeout", "deadline exceeded",
            "status(statuscode=\"deadlineexceeded\"", "operation timeout", "timeout expired", "request timeout"),
        new("dependency-failure", 0.85, "connection refused", "no such host", "connection reset", "broken pipe", "name or service not known", "temporary failure in name resolution",
            "service unavailable", "bad gateway", "gateway timeout", "status(statuscode=\"unavailable\"", "does not indicate success: 50", "upstream connect error",
            "no route to host", "eof while", "unexpected eof", "network is unreachable", "circuit is now open", "the circuit is open"),
        new("validation", 0.85, "invalid syntax", "cannot unmarshal", "invalid character", "is not valid", "invalid input", "must be", "is required", "was not recognized as a valid",
            "input string was not in a correct format", "invalid argument", "malformed", "out of range", "index out of range", "failed to parse", "could not parse",
            "bad request", "invalid value", "unexpected token", "missing required"),
    ];

    /// <summary>Classifies the errors of <paramref name="cluster"/>: its exception, its message and its template.</summary>
    public static RootCause Classify(ErrorCluster cluster, TelemetryContext? telemetry = null) =>
        Classify(cluster.Exception, cluster.Message + " " + cluster.Template, telemetry);

    /// <summary>Classifies the error of <paramref name="exception"/> (or, without one, of <paramref name="message"/>).</summary>
    public static RootCause Classify(ParsedException? exception, string message, TelemetryContext? telemetry = null)
    {
        telemetry ??= TelemetryContext.None;
        var evidence = new List<string>();
        string cause = "unknown";
        double confidence = 0;
        if (exception is not null)
        {
            // The root cause, then what wraps it, outermost last (a TaskCanceledException around a TimeoutException is a timeout).
            var types = new List<string> { exception.Type };
            types.AddRange(exception.Chain.Reverse().Where(t => t != exception.Type));
            for (var i = 0; i < types.Count && cause == "unknown"; i++)
            {
                var shortType = Short(types[i]);
                foreach (var rule in TypeRules)
                {
                    if (rule.Matches(shortType, whole: true))
                    {
                        cause = rule.Cause;
                        confidence = i == 0 ? rule.Confidence : rule.Confidence - 0.1;
                        evidence.Add(i == 0 ? $"exception type {types[i]}" : $"wrapped exception type {types[i]}");
                        break;
                    }
                }
            }
        }

        // The message decides when the type did not, and overrides a weak type rule (a TaskCanceledException whose message
        // names HttpClient.Timeout; a Go "runtime error" whose message says nil pointer).
        var text = (exception is null ? message : exception.Message + " " + message).ToLowerInvariant();
        if (confidence < 0.8)
        {
            foreach (var rule in TextRules)
            {
                if (rule.Matches(text, whole: false) is true && rule.Confidence - 0.1 > confidence)
                {
                    cause = rule.Cause;
                    confidence = exception is null ? rule.Confidence - 0.25 : rule.Confidence - 0.1;
                    evidence.Add($"message says \"{rule.Matched(text)}\"");
                    break;
                }
            }
        }

        // A cancellation with nothing else to go on is most often a timeout (HttpClient's, a request's).
        if (cause == "unknown" && exception is not null && Short(exception.Type) is "TaskCanceledException" or "OperationCanceledException" or "CancellationException")
        {
            cause = "timeout";
            confidence = 0.55;
            evidence.Add($"exception type {exception.Type}, with no other cause given");
        }

        var outbound = telemetry.OutboundTimeouts + telemetry.OutboundTransportErrors + telemetry.OutboundServerErrors;
        if (cause == "timeout" && telemetry.OutboundTimeouts > 0)
        {
            confidence = Math.Min(0.99, confidence + 0.04);
            evidence.Add($"its sidecar saw {telemetry.OutboundTimeouts} upstream timeouts in the same window");
        }
        else if (cause == "dependency-failure" && outbound > 0)
        {
            confidence = Math.Min(0.99, confidence + 0.04);
            evidence.Add($"its sidecar saw {outbound} failed calls to its dependencies in the same window");
        }
        else if (cause == "unknown" && telemetry.OutboundTimeouts > 0)
        {
            cause = "timeout";
            confidence = 0.45;
            evidence.Add($"nothing in the error names a cause; its sidecar saw {telemetry.OutboundTimeouts} upstream timeouts in the same window");
        }
        else if (cause == "unknown" && telemetry.OutboundTransportErrors + telemetry.OutboundServerErrors > 0)
        {
            cause = "dependency-failure";
            confidence = 0.4;
            evidence.Add($"nothing in the error names a cause; its sidecar saw {telemetry.OutboundTransportErrors + telemetry.OutboundServerErrors} failed calls to its dependencies in the same window");
        }

        if (telemetry.InboundServerErrors + telemetry.InboundTimeouts > 0)
        {
            evidence.Add($"its callers saw {telemetry.InboundServerErrors} server errors and {telemetry.InboundTimeouts} timeouts from it");
        }

        if (cause == "unknown")
        {
            evidence.Add(exception is null ? "no exception and no known words in the message" : $"exception type {exception.Type} matches no rule");
            confidence = 0.3;
        }

        return new RootCause(cause, Math.Round(confidence, 2), evidence);
    }

    private static string Short(string type)
    {
        var dot = type.LastIndexOf('.');
        var shortType = dot >= 0 ? type[(dot + 1)..] : type;
        var dollar = shortType.LastIndexOf('$');
        return dollar >= 0 ? shortType[(dollar + 1)..] : shortType;
    }

    private sealed class Rule(string cause, double confidence, params string[] terms)
    {
        public string Cause => cause;

        public double Confidence => confidence;

        public bool Matches(string value, bool whole) => whole ? terms.Contains(value, StringComparer.Ordinal) : Matched(value) is not null;

        public string? Matched(string text) => terms.FirstOrDefault(t => text.Contains(t, StringComparison.Ordinal));
    }
}
