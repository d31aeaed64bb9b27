using Mesh.Heal.Agents.BugFixing;

namespace Mesh.Heal.Agents.Tests.BugFixing;

public sealed class UnifiedDiffTests
{
    [Fact]
    public void Create_AnInsertion_OneHunkWithThreeLinesOfContext()
    {
        var before = "a\nb\nc\nd\ne\nf\ng\n";
        var after = "a\nb\nc\nd\nX\nY\ne\nf\ng\n";

        Assert.Equal(
            "diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -2,6 +2,8 @@\n b\n c\n d\n+X\n+Y\n e\n f\n g\n",
            UnifiedDiff.Create("f.txt", before, after));
        Assert.Equal((0, 2, 1), UnifiedDiff.Size(UnifiedDiff.Create("f.txt", before, after)));
    }

    [Fact]
    public void Create_NoFinalNewline_MarksIt()
    {
        var diff = UnifiedDiff.Create("f.txt", "a\nb", "a\nc");

        Assert.Equal("diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n", diff);
    }
}
