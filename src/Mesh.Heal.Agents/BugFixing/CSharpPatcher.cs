using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Mesh.Heal.Agents.BugFixing;

/// <summary>Writes C# fixes with Roslyn's syntax trees: a null guard before the statement that dereferenced a null, and an
/// input guard that answers 400 where a request value failed to parse.</summary>
/// <remarks>
/// <para>
/// It reads syntax, not symbols (the service's references are not at hand), so it decides from the shape of the code. The
/// receivers dereferenced on the faulting line are the candidates: a local, a parameter or a field (<c>order.Total</c>),
/// a chain of members (<c>order.Customer.Name</c>, guarded as <c>order?.Customer is null</c>), or the result of a call
/// (<c>store.Find(id).Total</c>), which is captured once with <c>is not { } found</c> rather than called twice. Type names
/// (<c>Results.Ok</c>, <c>string.Join</c>) are not receivers.
/// </para>
/// <para>
/// The guard leaves the function the way the function can: <c>return;</c> from a void or <c>Task</c> method or lambda,
/// <c>Results.NotFound()</c> from a minimal API handler or a method returning <c>IResult</c>, <c>NotFound()</c> from a
/// controller action. Anywhere else there is no safe way out, and no patch: the finding carries the analysis. A patch that
/// parses worse than the original is dropped. The build (when configured) is the final check.
/// </para>
/// </remarks>
public static class CSharpPatcher
{
    private static readonly HashSet<string> ParseTypes = new(StringComparer.Ordinal)
    {
        "int", "long", "short", "byte", "uint", "ulong", "ushort", "sbyte", "decimal", "double", "float", "Guid", "DateTime", "DateTimeOffset",
        "TimeSpan", "DateOnly", "TimeOnly", "Int32", "Int64", "Int16", "UInt32", "UInt64", "Decimal", "Double", "Single", "Byte",
    };

    /// <summary>A null guard for the dereference on <paramref name="line"/> (1-based) of <paramref name="source"/>, or null when none can be written.</summary>
    public static CandidatePatch? NullGuard(string path, string source, int line)
    {
        if (Locate(source, line) is not { Statement: { } statement } located)
        {
            return null;
        }

        var (root, text, _, span) = located;

        var exit = Exit(statement, notFound: true);
        if (exit is null)
        {
            return null;
        }

        var declared = Declared(statement);
        var receivers = statement.DescendantNodes(span)
            .Where(n => n.Span.IntersectsWith(span))
            .Select(n => n switch
            {
                MemberAccessExpressionSyntax m when m.IsKind(SyntaxKind.SimpleMemberAccessExpression) => m.Expression,
                ElementAccessExpressionSyntax e => e.Expression,
                _ => null,
            })
            .OfType<ExpressionSyntax>()
            .Where(r => !InsideNameof(r) && !IsTarget(r))
            .Select(r => (Receiver: r, Kind: Kind(r, declared)))
            .Where(r => r.Kind != ReceiverKind.None)
            .ToList();

        // A chain covers its own prefixes: order.Customer covers order.
        var chains = receivers.Where(r => r.Kind == ReceiverKind.Chain && !receivers.Any(o => o.Kind == ReceiverKind.Chain && o.Receiver != r.Receiver && o.Receiver.Span.Contains(r.Receiver.Span) && o.Receiver.SpanStart == r.Receiver.SpanStart))
            .Select(r => r.Receiver).Distinct().OrderBy(r => r.SpanStart).ToList();
        // The call itself (store.Find(id)), not the members read off its result: it is captured, and they are guarded on the capture.
        var call = receivers.Where(r => r.Kind == ReceiverKind.Call && r.Receiver is InvocationExpressionSyntax or ElementAccessExpressionSyntax or AwaitExpressionSyntax)
            .Select(r => r.Receiver).OrderBy(r => r.SpanStart).ThenBy(r => r.Span.Length).FirstOrDefault();
        var tail = call is null ? null : receivers.Where(r => r.Receiver is MemberAccessExpressionSyntax && r.Receiver.Span.Contains(call.Span) && r.Receiver.SpanStart == call.SpanStart)
            .Select(r => r.Receiver).OrderByDescending(r => r.Span.Length).FirstOrDefault();
        // A call inside a chain's receiver is guarded by capturing it; the chain built on it goes away with it.
        if (call is not null)
        {
            chains.RemoveAll(c => c.Span.Contains(call.Span) || call.Span.Contains(c.Span));
        }

        if (chains.Count == 0 && call is null)
        {
            return null;
        }

        var conditions = chains.Select(c => NullConditional(c) + " is null").ToList();
        string? captured = null;
        if (call is not null)
        {
            captured = FreshName(NameFor(call), declared);
            conditions.Insert(0, $"{call.WithoutTrivia()} is not {{ }} {captured}");
            if (tail is not null)
            {
                conditions.Insert(1, Captured(tail, call, captured) + " is null");
            }
        }

        var indent = Indentation(text, statement);
        var guard = new StringBuilder()
            .Append(indent).Append("if (").Append(string.Join(" || ", conditions)).Append(")\n")
            .Append(indent).Append("{\n")
            .Append(indent).Append("    ").Append(exit.Statement).Append('\n')
            .Append(indent).Append("}\n")
            .ToString();
        var changes = new List<TextChange> { new(new TextSpan(text.Lines.GetLineFromPosition(statement.SpanStart).Start, 0), guard) };
        if (call is not null)
        {
            changes.Add(new TextChange(call.Span, captured!));
        }

        var what = call is not null ? $"the result of {Shorten(call.ToString())}" : string.Join(" and ", chains.Select(c => c.ToString()));
        return Checked(path, source, text.WithChanges(changes).ToString(), root,
            $"guard {what} against null before line {line} of {path} ({Function(statement)}) and {exit.Answer}");
    }

    /// <summary>An input guard for a parse that failed on <paramref name="line"/> (1-based): <c>int.Parse(x)</c> becomes
    /// <c>int.TryParse(x, out var parsedX)</c>, answering 400 when it fails; null when the line parses nothing it knows.</summary>
    public static CandidatePatch? InputGuard(string path, string source, int line)
    {
        if (Locate(source, line) is not { Statement: { } statement } located)
        {
            return null;
        }

        var (root, text, _, span) = located;

        var exit = Exit(statement, notFound: false);
        if (exit is null)
        {
            return null;
        }

        var parse = statement.DescendantNodes(span)
            .OfType<InvocationExpressionSyntax>()
            .Where(i => i.Span.IntersectsWith(span) && i.ArgumentList.Arguments.Count == 1
                && i.Expression is MemberAccessExpressionSyntax { Name.Identifier.Text: "Parse" } m
                && ParseTypes.Contains(m.Expression.ToString()))
            .OrderBy(i => i.SpanStart)
            .FirstOrDefault();
        if (parse is null)
        {
            return null;
        }

        var type = ((MemberAccessExpressionSyntax)parse.Expression).Expression.ToString();
        var argument = parse.ArgumentList.Arguments[0].Expression;
        var declared = Declared(statement);
        var name = FreshName("parsed" + Pascal(argument is IdentifierNameSyntax id ? id.Identifier.Text : "value"), declared);
        var indent = Indentation(text, statement);
        var guard = $"{indent}if (!{type}.TryParse({argument.WithoutTrivia()}, out var {name}))\n{indent}{{\n{indent}    {exit.Statement}\n{indent}}}\n";
        var patched = text.WithChanges(
            new TextChange(new TextSpan(text.Lines.GetLineFromPosition(statement.SpanStart).Start, 0), guard),
            new TextChange(parse.Span, name)).ToString();
        return Checked(path, source, patched, root,
            $"check that {argument} is a valid {type} before line {line} of {path} ({Function(statement)}) and {exit.Answer}");
    }

    private static (CompilationUnitSyntax Root, SourceText Text, StatementSyntax? Statement, TextSpan Span)? Locate(string source, int line)
    {
        var tree = CSharpSyntaxTree.ParseText(source);
        var text = tree.GetText();
        if (line < 1 || line > text.Lines.Count)
        {
            return null;
        }

        var span = text.Lines[line - 1].Span;
        var root = tree.GetCompilationUnitRoot();
        // The innermost statement of a block that the line is part of: the guard goes in front of it, in that block.
        var statement = root.DescendantNodes(span)
            .OfType<StatementSyntax>()
            .Where(s => s is not BlockSyntax && s.Parent is BlockSyntax && s.Span.IntersectsWith(span))
            .OrderBy(s => s.Span.Length)
            .FirstOrDefault();
        return (root, text, statement, span);
    }

    private static CandidatePatch? Checked(string path, string before, string after, CompilationUnitSyntax root, string description)
    {
        var errors = root.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        var patched = CSharpSyntaxTree.ParseText(after).GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        return patched > errors || after == before ? null : new CandidatePatch(path, before, after, description);
    }

    private enum ReceiverKind
    {
        None,
        Chain,
        Call,
    }

    private static ReceiverKind Kind(ExpressionSyntax receiver, HashSet<string> declared) => receiver switch
    {
        IdentifierNameSyntax name => declared.Contains(name.Identifier.Text) || IsVariableLike(name.Identifier.Text) ? ReceiverKind.Chain : ReceiverKind.None,
        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } => ReceiverKind.Chain,
        MemberAccessExpressionSyntax m when m.IsKind(SyntaxKind.SimpleMemberAccessExpression) => Kind(m.Expression, declared) switch
        {
            ReceiverKind.Chain => ReceiverKind.Chain,
            ReceiverKind.Call => ReceiverKind.Call,
            // Type.Member: a static member may be null too (a static field, a static lookup's property).
            _ => char.IsUpper(m.Name.Identifier.Text[0]) && m.Expression is IdentifierNameSyntax ? ReceiverKind.Chain : ReceiverKind.None,
        },
        InvocationExpressionSyntax or ElementAccessExpressionSyntax => ReceiverKind.Call,
        AwaitExpressionSyntax => ReceiverKind.Call,
        ParenthesizedExpressionSyntax p => Kind(p.Expression, declared) == ReceiverKind.None ? ReceiverKind.None : ReceiverKind.Call,
        _ => ReceiverKind.None,
    };

    // A name no declaration in reach explains: lower case is a variable by the naming conventions, upper case a type.
    private static bool IsVariableLike(string name) => name.Length > 0 && (char.IsLower(name[0]) || name[0] == '_');

    private static bool InsideNameof(SyntaxNode node) =>
        node.Ancestors().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is IdentifierNameSyntax { Identifier.Text: "nameof" });

    // The left side of an assignment or an out argument is written, not read.
    private static bool IsTarget(ExpressionSyntax receiver) =>
        receiver.Parent?.Parent is AssignmentExpressionSyntax a && a.Left == receiver.Parent;

    // Locals, parameters, pattern and foreach variables of the enclosing functions, and the containing types' fields and properties.
    private static HashSet<string> Declared(SyntaxNode statement)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ancestor in statement.Ancestors())
        {
            switch (ancestor)
            {
                case BaseMethodDeclarationSyntax method:
                    names.UnionWith(method.ParameterList.Parameters.Select(p => p.Identifier.Text));
                    break;
                case LocalFunctionStatementSyntax local:
                    names.UnionWith(local.ParameterList.Parameters.Select(p => p.Identifier.Text));
                    break;
                case ParenthesizedLambdaExpressionSyntax lambda:
                    names.UnionWith(lambda.ParameterList.Parameters.Select(p => p.Identifier.Text));
                    break;
                case SimpleLambdaExpressionSyntax simple:
                    names.Add(simple.Parameter.Identifier.Text);
                    break;
                case TypeDeclarationSyntax type:
                    names.UnionWith(type.Members.OfType<FieldDeclarationSyntax>().SelectMany(f => f.Declaration.Variables).Select(v => v.Identifier.Text));
                    names.UnionWith(type.Members.OfType<PropertyDeclarationSyntax>().Select(p => p.Identifier.Text));
                    if (type.ParameterList is { } primary)
                    {
                        names.UnionWith(primary.Parameters.Select(p => p.Identifier.Text));
                    }

                    break;
            }
        }

        var function = Enclosing(statement) ?? statement.SyntaxTree.GetRoot();
        names.UnionWith(function.DescendantNodes().OfType<VariableDeclaratorSyntax>().Select(v => v.Identifier.Text));
        names.UnionWith(function.DescendantNodes().OfType<SingleVariableDesignationSyntax>().Select(v => v.Identifier.Text));
        names.UnionWith(function.DescendantNodes().OfType<ForEachStatementSyntax>().Select(f => f.Identifier.Text));
        return names;
    }

    private static SyntaxNode? Enclosing(SyntaxNode node) =>
        node.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax
            or AccessorDeclarationSyntax or GlobalStatementSyntax);

    private sealed record ExitStatement(string Statement, string Answer);

    // How the enclosing function can leave early: null when it cannot without inventing a value.
    private static ExitStatement? Exit(StatementSyntax statement, bool notFound)
    {
        var answer = notFound ? "NotFound" : "BadRequest";
        var argument = notFound ? string.Empty : "\"invalid input\"";
        var httpStatus = notFound ? "answer 404" : "answer 400";
        ExitStatement Minimal() => new($"return Results.{answer}({argument});", $"{httpStatus} (Results.{answer}())");
        switch (Enclosing(statement))
        {
            case MethodDeclarationSyntax method:
                return ByType(method.ReturnType, method.Modifiers.Any(SyntaxKind.AsyncKeyword), IsController(method));
            case LocalFunctionStatementSyntax local:
                return ByType(local.ReturnType, local.Modifiers.Any(SyntaxKind.AsyncKeyword), controller: false);
            case ParenthesizedLambdaExpressionSyntax { ReturnType: { } returnType } lambda:
                return ByType(returnType, lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword), controller: false);
            case AnonymousFunctionExpressionSyntax lambda:
                var returnsValue = lambda.Body.DescendantNodesAndSelf().OfType<ReturnStatementSyntax>().Any(r => r.Expression is not null && Enclosing(r) == lambda);
                if (IsHandler(lambda))
                {
                    return returnsValue || lambda.Body.ToString().Contains("Results.", StringComparison.Ordinal) ? Minimal() : null;
                }

                return returnsValue || !notFound ? null : new ExitStatement("return;", "return early");
            default:
                return null;
        }

        ExitStatement? ByType(TypeSyntax type, bool isAsync, bool controller)
        {
            var name = type.ToString().Replace(" ", string.Empty, StringComparison.Ordinal);
            var wrapped = false;
            if (isAsync)
            {
                if (name is "Task" or "ValueTask")
                {
                    return notFound ? new ExitStatement("return;", "return early") : null;
                }

                if (Unwrap(name) is { } inner)
                {
                    name = inner;
                }
            }
            else if (Unwrap(name) is { } inner)
            {
                name = inner;
                wrapped = true;
            }

            if (name == "void")
            {
                return notFound ? new ExitStatement("return;", "return early") : null;
            }

            if (name is "IResult")
            {
                return wrapped
                    ? new ExitStatement($"return Task.FromResult<IResult>(Results.{answer}({argument}));", $"{httpStatus} (Results.{answer}())")
                    : Minimal();
            }

            if (controller && (name is "IActionResult" or "ActionResult" || name.StartsWith("ActionResult<", StringComparison.Ordinal)))
            {
                return wrapped
                    ? new ExitStatement($"return Task.FromResult<IActionResult>({answer}({argument}));", $"{httpStatus} ({answer}())")
                    : new ExitStatement($"return {answer}({argument});", $"{httpStatus} ({answer}())");
            }

            return null;
        }
    }

    private static string? Unwrap(string name) =>
        name.StartsWith("Task<", StringComparison.Ordinal) ? name[5..^1] : name.StartsWith("ValueTask<", StringComparison.Ordinal) ? name[10..^1] : null;

    // A lambda given to app.MapGet/MapPost/... (or a group's) is a minimal API handler.
    private static bool IsHandler(AnonymousFunctionExpressionSyntax lambda) =>
        lambda.Parent is ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax invocation }
        && invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.Text: var map } && map.StartsWith("Map", StringComparison.Ordinal);

    private static bool IsController(MethodDeclarationSyntax method) =>
        method.Parent is ClassDeclarationSyntax type
        && (type.Identifier.Text.EndsWith("Controller", StringComparison.Ordinal)
            || type.BaseList?.Types.Any(t => t.ToString() is "Controller" or "ControllerBase") == true);

    private static string NullConditional(ExpressionSyntax chain) => chain switch
    {
        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } m => m.WithoutTrivia().ToString(),
        MemberAccessExpressionSyntax m => NullConditional(m.Expression) + "?." + m.Name.WithoutTrivia(),
        _ => chain.WithoutTrivia().ToString(),
    };

    // The members read off a captured call's result, on the capture: found.Customer?.Name.
    private static string Captured(ExpressionSyntax chain, ExpressionSyntax call, string captured) => chain switch
    {
        _ when chain == call => captured,
        MemberAccessExpressionSyntax m => Captured(m.Expression, call, captured) + (m.Expression == call ? "." : "?.") + m.Name.WithoutTrivia(),
        _ => chain.WithoutTrivia().ToString(),
    };

    // found, order (from FindOrder), or value.
    private static string NameFor(ExpressionSyntax call)
    {
        var name = call switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax m } => m.Name.Identifier.Text,
            InvocationExpressionSyntax { Expression: IdentifierNameSyntax n } => n.Identifier.Text,
            InvocationExpressionSyntax { Expression: GenericNameSyntax g } => g.Identifier.Text,
            _ => "value",
        };
        foreach (var verb in new[] { "TryGet", "Get", "Find", "Load", "Lookup", "Fetch", "Read", "Resolve", "Query", "First", "Single" })
        {
            if (name.StartsWith(verb, StringComparison.Ordinal) && name.Length > verb.Length)
            {
                name = name[verb.Length..];
                break;
            }
        }

        name = name.EndsWith("Async", StringComparison.Ordinal) && name.Length > 5 ? name[..^5] : name;
        name = name.Replace("OrDefault", string.Empty, StringComparison.Ordinal);
        return name.Length == 0 || name is "Find" or "Get" ? "found" : char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static string FreshName(string name, HashSet<string> declared)
    {
        if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
        {
            name = "@" + name;
        }

        var candidate = name;
        for (var i = 2; declared.Contains(candidate); i++)
        {
            candidate = name + i.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static string Pascal(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..];

    private static string Indentation(SourceText text, SyntaxNode statement)
    {
        var line = text.Lines.GetLineFromPosition(statement.SpanStart);
        var content = text.ToString(line.Span);
        return content[..(content.Length - content.TrimStart().Length)];
    }

    private static string Function(SyntaxNode statement) => Enclosing(statement) switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text,
        LocalFunctionStatementSyntax l => l.Identifier.Text,
        AnonymousFunctionExpressionSyntax a when IsHandler(a) && a.Parent?.Parent is ArgumentListSyntax { Arguments: [{ Expression: LiteralExpressionSyntax route }, ..] } l2
            && l2.Parent is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax map } => $"the {map.Name} {route.Token.ValueText} handler",
        AnonymousFunctionExpressionSyntax => "a lambda",
        _ => "top-level code",
    };

    private static string Shorten(string text) => text.Length > 60 ? text[..57] + "..." : text;
}
