using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kt.Watch;

/// <summary>
/// Decides, from the old and new syntax of one file, whether an edit may reach the pods as an IL delta — conservatively:
/// only the bodies of members that exist on both sides changed (methods, accessors, operators, instance constructors,
/// arrow-bodied properties). Everything outside those bodies must be token for token the same (so no member was added,
/// removed or re-declared, no signature, attribute, field or field initializer changed); a static constructor's body
/// must not change (it ran already and would not run again: a fresh build would give other statics). Anything else is
/// a rude edit: the caller takes the whole compile and reloads, with the reason in one line.
/// </summary>
internal static class DeltaEdits
{
    /// <summary>The changed bodies as (old owner, new owner) declaration pairs, or the reason this edit is no delta.</summary>
    public static (IReadOnlyList<(SyntaxNode Old, SyntaxNode New)> Changed, string? Rude) Compare(SyntaxTree oldTree, SyntaxTree newTree, CancellationToken cancellationToken)
    {
        var oldRoot = oldTree.GetRoot(cancellationToken);
        var newRoot = newTree.GetRoot(cancellationToken);
        var oldOwners = Owners(oldRoot);
        var newOwners = Owners(newRoot);
        if (oldOwners.Count != newOwners.Count || Shape(oldRoot, oldOwners) != Shape(newRoot, newOwners))
        {
            return ([], "a declaration changed (a member added, removed or re-declared, a signature, attribute, field or field initializer)");
        }

        var changed = new List<(SyntaxNode, SyntaxNode)>();
        for (var i = 0; i < oldOwners.Count; i++)
        {
            if (Body(oldOwners[i]).ToString() == Body(newOwners[i]).ToString())
            {
                continue;
            }

            if (oldOwners[i] is ConstructorDeclarationSyntax ctor && ctor.Modifiers.Any(SyntaxKind.StaticKeyword))
            {
                return ([], $"the static constructor of {ctor.Identifier.Text} changed (it ran already; a fresh build would run the new one)");
            }

            changed.Add((oldOwners[i], newOwners[i]));
        }

        return (changed, null);
    }

    /// <summary>True when the body has code the compiler lowers into new methods or types (closures, state machines).</summary>
    public static bool SynthesizesMembers(SyntaxNode owner) =>
        (owner is MethodDeclarationSyntax method && method.Modifiers.Any(SyntaxKind.AsyncKeyword))
        || Body(owner).DescendantNodesAndSelf().Any(n => n is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or QueryExpressionSyntax
            or AnonymousObjectCreationExpressionSyntax or YieldStatementSyntax or AwaitExpressionSyntax);

    /// <summary>The method a body owner compiles to (an arrow-bodied property: its getter).</summary>
    public static IMethodSymbol? Symbol(SemanticModel model, SyntaxNode owner, CancellationToken cancellationToken) =>
        model.GetDeclaredSymbol(owner, cancellationToken) switch
        {
            IMethodSymbol method => method,
            IPropertySymbol property => property.GetMethod,
            _ => null,
        };

    // The declarations whose bodies may change, outermost only (a local function is part of its method's body).
    private static List<SyntaxNode> Owners(SyntaxNode root)
    {
        var owners = new List<SyntaxNode>();
        Collect(root, owners);
        return owners;
    }

    private static void Collect(SyntaxNode node, List<SyntaxNode> owners)
    {
        foreach (var child in node.ChildNodes())
        {
            if (IsOwner(child))
            {
                owners.Add(child);
                if (child is BasePropertyDeclarationSyntax)
                {
                    Collect(child, owners); // its accessors
                }
            }
            else
            {
                Collect(child, owners);
            }
        }
    }

    private static bool IsOwner(SyntaxNode node) => node switch
    {
        BaseMethodDeclarationSyntax m => m.Body is not null || m.ExpressionBody is not null,
        AccessorDeclarationSyntax a => a.Body is not null || a.ExpressionBody is not null,
        PropertyDeclarationSyntax p => p.ExpressionBody is not null,
        IndexerDeclarationSyntax i => i.ExpressionBody is not null,
        _ => false,
    };

    /// <summary>What runs when the member runs: its body, and for a constructor its <c>: base(…)</c> / <c>: this(…)</c> call.</summary>
    private static SyntaxNode Body(SyntaxNode owner) => owner switch
    {
        // With a `: base(…)` / `: this(…)` call, that call is its code too: the whole constructor stands for both.
        ConstructorDeclarationSyntax { Initializer: not null } c => c,
        BaseMethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody!,
        AccessorDeclarationSyntax a => (SyntaxNode?)a.Body ?? a.ExpressionBody!,
        PropertyDeclarationSyntax p => p.ExpressionBody!,
        IndexerDeclarationSyntax i => i.ExpressionBody!,
        _ => owner,
    };

    /// <summary>The file's tokens outside the owners' bodies, trivia left out: equal shapes declare the same things.</summary>
    private static string Shape(SyntaxNode root, List<SyntaxNode> owners)
    {
        var skip = owners.Select(o => o is ConstructorDeclarationSyntax { Initializer: { } init } c
                ? TextSpanOf(init.SpanStart, c.Span.End)
                : Body(o).Span)
            .OrderBy(s => s.Start)
            .ToList();
        var text = new StringBuilder();
        var next = 0;
        foreach (var token in root.DescendantTokens())
        {
            while (next < skip.Count && skip[next].End <= token.SpanStart)
            {
                next++;
            }

            if (next < skip.Count && skip[next].Contains(token.SpanStart))
            {
                continue;
            }

            text.Append(token.Text).Append(' ');
        }

        return text.ToString();
    }

    private static Microsoft.CodeAnalysis.Text.TextSpan TextSpanOf(int start, int end) => Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(start, end);
}
