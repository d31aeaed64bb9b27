using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Heal.Sidecar.Tests.Resilience;

/// <summary>What counts as the upstream's failure when the caller hung up: the race behind a rare miss of the trailers-only
/// gRPC test, where the client's reset after the status arrived made the failure count as the caller's.</summary>
public sealed class UpstreamFailureTests
{
    [Fact]
    public void IsAnsweredFailure_GrpcFailureStatus_ThenTheCallerReset_IsTheUpstreamsFailure()
    {
        var context = Grpc(status: "14");
        context.Features.Set<IForwarderErrorFeature>(new ForwardingError(ForwarderError.ResponseBodyCanceled));

        Assert.True(UpstreamFailure.IsAnsweredFailure(context));
    }

    [Fact]
    public void IsAnsweredFailure_GrpcSuccessStatus_ThenTheCallerReset_IsNoFailure() =>
        Assert.False(UpstreamFailure.IsAnsweredFailure(With(Grpc(status: "0"), ForwarderError.ResponseBodyCanceled)));

    [Fact]
    public void IsAnsweredFailure_A502AfterTheCallerWentAway_IsNotTheUpstreams()
    {
        // YARP answers 502 itself when the caller cancels before the upstream answered.
        var context = new DefaultHttpContext();
        context.Response.StatusCode = StatusCodes.Status502BadGateway;

        Assert.False(UpstreamFailure.IsAnsweredFailure(With(context, ForwarderError.RequestCanceled)));
        Assert.True(UpstreamFailure.IsAnsweredFailure(With(Server(503), null)));
        Assert.False(UpstreamFailure.IsAnsweredFailure(With(Grpc(status: "14"), ForwarderError.Request)));
    }

    private static DefaultHttpContext Grpc(string status)
    {
        var context = new DefaultHttpContext();
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = status;
        return context;
    }

    private static DefaultHttpContext Server(int status)
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = status;
        return context;
    }

    private static DefaultHttpContext With(DefaultHttpContext context, ForwarderError? error)
    {
        if (error is { } e)
        {
            context.Features.Set<IForwarderErrorFeature>(new ForwardingError(e));
        }

        return context;
    }

    private sealed class ForwardingError(ForwarderError error) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception => null;
    }
}
