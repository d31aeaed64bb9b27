using Mesh.Heal.Agents.Logs;

namespace Mesh.Heal.Agents.Tests.Logs;

public sealed class LogMaskerTests
{
    [Theory]
    [InlineData("chrome.exe - proxy.example.com:5070 close", "<FILE> - <IP> close")]
    [InlineData("connected to localhost:8080", "connected to <IP>")]
    public void Tokenize_HostAndPort_MaskedAsOneAddress(string message, string expected) => AssertMasked(message, expected);

    [Fact]
    public void Tokenize_SizeWithUnitInParentheses_OneValueWithTheSizeBeforeIt()
    {
        var tokens = Tokens("1190 bytes (1.16 KB) sent, lifetime 00:02");

        Assert.Equal(["<NUM> bytes", "(<NUM> KB)", "sent,", "lifetime", "<NUM>"], tokens);
    }

    [Theory]
    [InlineData("lifetime 00:02", "lifetime <NUM>")]
    [InlineData("took 1.5s to flush", "took <NUM> to flush")]
    [InlineData("took 1.5 sec to flush", "took <NUM> sec to flush")]
    [InlineData("at 12:30:01 again", "at <NUM> again")]
    public void Tokenize_Duration_MaskedAsNumber(string message, string expected) => AssertMasked(message, expected);

    [Fact]
    public void Tokenize_NumberAndUnit_OneToken()
    {
        Assert.Equal(["took", "<NUM> sec", "to", "flush"], Tokens("took 1.5 sec to flush"));
        Assert.Equal(["took", "<NUM>", "retries"], Tokens("took 3 retries"));
    }

    [Theory]
    [InlineData("[instance: 17288ea8-cbf8-4f7c-b7c4-9c0c1e5f0e08] VM Resumed", "[instance: <GUID>] VM Resumed")]
    [InlineData("[req-a81f22c0 admin] deleted", "[<ID> admin] deleted")]
    public void Tokenize_RequestIdInBrackets_MaskedBracketsKept(string message, string expected) => AssertMasked(message, expected);

    [Fact]
    public void Tokenize_KeyValueList_EveryAssignedValueMaskedEmptyOnesKept()
    {
        AssertMasked(
            "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=10.1.2.3  user=root",
            "authentication failure; logname= uid=<NUM> euid=<NUM> tty=<VAL> ruser= rhost=<IP> user=<VAL>");
    }

    [Fact]
    public void Tokenize_QuotedValueOfSeveralWordsAfterKey_OneToken()
    {
        Assert.Equal(["acquire", "lock=<NUM>,", "tag=<STR>,", "ws=<VAL>"], Tokens("acquire lock=233570404, tag=\"View Lock\", ws=null"));
    }

    [Theory]
    [InlineData(@"Loaded Stack with Core: C:\Windows\winsxs\amd64_x\cbscore.dll", @"Loaded Stack with Core: C:\Windows\winsxs\<ID>\<FILE>")]
    [InlineData("open /var/lib/app/data.db", "open /var/lib/app/<FILE>")]
    [InlineData("GET /v2/54fadb412c4e40cd/servers/detail", "GET /v2/<HEX>/servers/detail")]
    [InlineData("class org/apache/Foo missing", "class <PATH> missing")]
    [InlineData(@"from \\server\share\docs", "from <PATH>")]
    public void Tokenize_Path_VariableSegmentsMaskedOrTheWholePath(string message, string expected) => AssertMasked(message, expected);

    [Theory]
    [InlineData("flags: 0x2 [HRESULT = 0x80004005 - E_FAIL]", "flags: <HEX> [HRESULT = <HEX> - E_FAIL]")]
    [InlineData("block deadbeef42cafe", "block <HEX>")]
    public void Tokenize_Hex_Masked(string message, string expected) => AssertMasked(message, expected);

    [Theory]
    [InlineData("chrome.exe started", "<FILE> started")]
    [InlineData("loaded CBSCORE.DLL", "loaded <FILE>")]
    [InlineData("threw java.lang.Class", "threw java.lang.Class")]
    [InlineData("host www.example.com", "host www.example.com")]
    public void Tokenize_ProcessOrFileNameWithExtension_MaskedTypeNamesKept(string message, string expected) => AssertMasked(message, expected);

    [Theory]
    [InlineData("ciod: generating core.2275", "ciod: generating <ID>")]
    [InlineData("Loaded Servicing Stack v6.1.7601.23505", "Loaded Servicing Stack <ID>")]
    [InlineData("Session: 30546173_4261722401 initialized", "Session: <NUM> initialized")]
    [InlineData("onExtend:1514038530000 14", "onExtend:<NUM> <NUM>")]
    public void Tokenize_NumberGluedToWord_Masked(string message, string expected) => AssertMasked(message, expected);

    [Theory]
    [InlineData("open through proxy HTTPS (IPv6)", "open through proxy HTTPS (IPv6)")]
    [InlineData("EDAC MC0: 1 CE error", "EDAC <ID>: <NUM> CE error")]
    [InlineData("port 22 ssh2", "port <NUM> ssh2")]
    public void Tokenize_ProtocolNameWithDigit_KeptOtherDigitWordsMasked(string message, string expected) => AssertMasked(message, expected);

    [Fact]
    public void Tokenize_QuotedRequestLineWithPath_SplitIntoWords()
    {
        AssertMasked(
            "10.11.10.1 \"GET /v2/54fadb412c4e40cd/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.2477829",
            "<IP> \"GET /v2/<HEX>/servers/detail <ID>\" status: <NUM> len: <NUM> time: <NUM>");
    }

    [Theory]
    [InlineData("connection at Sun Jul 3 22:10:01 2005", "connection at <DATE> <DATE> <NUM> <NUM> <NUM>")]
    [InlineData("it may rain in March", "it may rain in March")]
    public void Tokenize_DayAndMonthNames_MaskedOnlyInADate(string message, string expected) => AssertMasked(message, expected);

    [Theory]
    [InlineData("\"SyncLoop ADD\" source=\"api\"", "\"SyncLoop ADD\" source=\"<VAL>\"")]
    [InlineData("\"Probe failed\" output=\"Get \\\"http://10.0.0.1:8080/healthz\\\": timeout\"", "\"Probe failed\" output=<STR>")]
    public void Tokenize_QuotedMessageFirst_KeptAsWordsButAssignedValuesFolded(string message, string expected) => AssertMasked(message, expected);

    [Theory]
    [InlineData("event Type:ContainerDied Data:abc", "event Type:<VAL> Data:<VAL>")]
    [InlineData("Core: loaded", "Core: loaded")]
    [InlineData("probe status=\"\" pod=x", "probe status=\"<VAL>\" pod=<VAL>")]
    [InlineData("logname= uid=0", "logname= uid=<NUM>")]
    public void Tokenize_GluedKeyValueAndEmptyQuotedValue_ValueMasked(string message, string expected) => AssertMasked(message, expected);

    [Theory]
    [InlineData("<*>", true)]
    [InlineData("(uid=<NUM>)", true)]
    [InlineData("<html>", false)]
    [InlineData("a<b", false)]
    public void IsVariable_MaskOrWildcard_True(string token, bool expected) => Assert.Equal(expected, LogMasker.IsVariable(token));

    private static List<string> Tokens(string message)
    {
        var tokens = new List<string>();
        LogMasker.Tokenize(message, tokens);
        return tokens;
    }

    private static void AssertMasked(string message, string expected) => Assert.Equal(expected, LogMasker.Join(Tokens(message)));
}
