using System.Linq.Expressions;
using System.Reflection;

namespace Kt.Client;

/// <summary>The arguments of a remote call as the pod receives them (a JSON array), checked before anything is sent.</summary>
internal static class CallArguments
{
    /// <summary>
    /// <paramref name="args"/>, refused when it holds a <see cref="CancellationToken"/>: a token is this process's and
    /// belongs in the overload's own <c>cancellationToken</c> parameter, never in the request.
    /// </summary>
    public static object?[] Checked(object?[]? args)
    {
        args ??= [];
        if (args.Any(a => a is CancellationToken))
        {
            throw new ArgumentException("A CancellationToken is not an argument of the remote method: pass it as the call's cancellationToken parameter.", nameof(args));
        }

        return args;
    }

    /// <summary>The method named by <c>x =&gt; x.Method(a, b)</c> and its argument values, evaluated here.</summary>
    public static (string Method, object?[] Args) FromCall(LambdaExpression call, Type type)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.Body is not MethodCallExpression { Object: ParameterExpression target } invocation || target != call.Parameters[0]
            || invocation.Method.IsStatic || !invocation.Method.IsPublic || !invocation.Method.DeclaringType!.IsAssignableFrom(type))
        {
            throw new ArgumentException($"The call must be one public instance method of {type.Name} on the lambda's parameter, as in x => x.Method(arg1, arg2); got {call.Body}.", nameof(call));
        }

        // A CancellationToken parameter is the pod's to fill (with the call's own token, which the caller's leaving
        // cancels), so the expression's value for it (CancellationToken.None, as expression trees must spell it) stays here.
        var parameters = invocation.Method.GetParameters();
        return (invocation.Method.Name, Checked([.. invocation.Arguments.Where((_, i) => parameters[i].ParameterType != typeof(CancellationToken)).Select(Evaluate)]));
    }

    private static object? Evaluate(Expression argument) => argument switch
    {
        ConstantExpression constant => constant.Value,
        MemberExpression { Expression: ConstantExpression closure, Member: FieldInfo field } => field.GetValue(closure.Value),
        _ => Expression.Lambda<Func<object?>>(Expression.Convert(argument, typeof(object))).Compile(preferInterpretation: true)(),
    };
}
