using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.GraphQL;

/// <summary>What a mutation's handler answered, as the generated resolver reads it: the value, or the errors.</summary>
public interface IOutcome
{
    /// <summary>The handler's answer on success (an id, a URL...); the payload is built from it.</summary>
    object? Value { get; }

    /// <summary>The domain errors that stopped the command; empty on success.</summary>
    IReadOnlyList<MutationError> Errors { get; }
}

/// <summary>
/// Stands for "no domain error": a handler that cannot fail (beyond its <c>Validator</c>) returns
/// <c>Outcome&lt;T, NoError&gt;</c>. It cannot be constructed, so such a handler can only answer its value.
/// </summary>
public sealed record NoError : MutationError
{
    private NoError() : base("", "", null)
    {
    }
}

/// <summary>
/// The shared shape of the <c>Outcome&lt;T, TError1, …&gt;</c> family: a value of <typeparamref name="T"/>, or one error.
/// The type arguments after <typeparamref name="T"/> are the only errors the handler can answer; the mutation's
/// generated error union is read from them (see <see cref="Mutation{TInput, TCommand, TResult}"/>), so a handler
/// that starts answering a new error names it in its return type and the schema follows.
/// </summary>
public abstract class OutcomeOf<T> : IOutcome
{
    private protected OutcomeOf(T? value, MutationError? error) => (Value, Errors) = (value, error is null ? [] : [error]);

    public T? Value { get; }

    public IReadOnlyList<MutationError> Errors { get; }

    public bool Succeeded => Errors.Count == 0;

    object? IOutcome.Value => Value;
}

/// <summary>A handler's answer: a <typeparamref name="T"/>, or one of the errors named by the other type arguments. Return the value or an error as is: both convert implicitly (use <see cref="Ok"/> where the value is an interface).</summary>
public sealed class Outcome<T, TError1> : OutcomeOf<T>
    where TError1 : MutationError
{
    private Outcome(T? value, MutationError? error) : base(value, error)
    {
    }

    public static Outcome<T, TError1> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1>(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1>(TError1 error) => new(default, error);
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
{
    private Outcome(T? value, MutationError? error) : base(value, error)
    {
    }

    public static Outcome<T, TError1, TError2> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2>(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2>(TError1 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2>(TError2 error) => new(default, error);
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
{
    private Outcome(T? value, MutationError? error) : base(value, error)
    {
    }

    public static Outcome<T, TError1, TError2, TError3> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3>(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3>(TError1 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3>(TError2 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3>(TError3 error) => new(default, error);
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3, TError4> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
    where TError4 : MutationError
{
    private Outcome(T? value, MutationError? error) : base(value, error)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(TError1 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(TError2 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(TError3 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(TError4 error) => new(default, error);
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3, TError4, TError5> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
    where TError4 : MutationError
    where TError5 : MutationError
{
    private Outcome(T? value, MutationError? error) : base(value, error)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4, TError5> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError1 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError2 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError3 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError4 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError5 error) => new(default, error);
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
    where TError4 : MutationError
    where TError5 : MutationError
    where TError6 : MutationError
{
    private Outcome(T? value, MutationError? error) : base(value, error)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError1 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError2 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError3 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError4 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError5 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError6 error) => new(default, error);
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
    where TError4 : MutationError
    where TError5 : MutationError
    where TError6 : MutationError
    where TError7 : MutationError
{
    private Outcome(T? value, MutationError? error) : base(value, error)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError1 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError2 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError3 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError4 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError5 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError6 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError7 error) => new(default, error);
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
    where TError4 : MutationError
    where TError5 : MutationError
    where TError6 : MutationError
    where TError7 : MutationError
    where TError8 : MutationError
{
    private Outcome(T? value, MutationError? error) : base(value, error)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8> Ok(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(T value) => new(value, null);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError1 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError2 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError3 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError4 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError5 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError6 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError7 error) => new(default, error);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError8 error) => new(default, error);
}
