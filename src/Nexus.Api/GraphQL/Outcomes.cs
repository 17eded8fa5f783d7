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
/// The shared shape of the <c>Outcome&lt;T, TError1, …&gt;</c> family: a value of <typeparamref name="T"/>, or errors
/// (one, or several at once with <c>Fail</c>: one per target that breaks a platform's rule).
/// The type arguments after <typeparamref name="T"/> are the only errors the handler can answer; the mutation's
/// generated error union is read from them (see <see cref="Mutation{TInput, TCommand, TResult}"/>), so a handler
/// that starts answering a new error names it in its return type and the schema follows.
/// </summary>
public abstract class OutcomeOf<T> : IOutcome
{
    private protected OutcomeOf(T? value, IReadOnlyList<MutationError> errors) => (Value, Errors) = (value, errors);

    public T? Value { get; }

    public IReadOnlyList<MutationError> Errors { get; }

    public bool Succeeded => Errors.Count == 0;

    object? IOutcome.Value => Value;
}

/// <summary>
/// A handler's answer: a <typeparamref name="T"/>, or errors of the types named by the other type arguments. Return
/// the value or an error as is: both convert implicitly (use <see cref="Ok"/> where the value is an interface). Several
/// errors at once go through <see cref="Fail"/>, whose <see cref="Error"/> elements convert from the named types only.
/// </summary>
public sealed class Outcome<T, TError1> : OutcomeOf<T>
    where TError1 : MutationError
{
    private Outcome(T? value, IReadOnlyList<MutationError> errors) : base(value, errors)
    {
    }

    public static Outcome<T, TError1> Ok(T value) => new(value, []);

    /// <summary>Several errors at once (at least one), each of a type this outcome names.</summary>
    public static Outcome<T, TError1> Fail(params IEnumerable<Error> errors) => new(default, Failures.Of(errors.Select(e => e.Value)));

    public static implicit operator Outcome<T, TError1>(T value) => new(value, []);

    public static implicit operator Outcome<T, TError1>(TError1 error) => new(default, [error]);

    /// <summary>One error of a type this outcome names, as an element of <see cref="Fail"/>.</summary>
    public readonly struct Error
    {
        private Error(MutationError value) => Value = value;

        internal MutationError? Value { get; }

        public static implicit operator Error(TError1 error) => new(error);
    }
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
{
    private Outcome(T? value, IReadOnlyList<MutationError> errors) : base(value, errors)
    {
    }

    public static Outcome<T, TError1, TError2> Ok(T value) => new(value, []);

    /// <summary>Several errors at once (at least one), each of a type this outcome names.</summary>
    public static Outcome<T, TError1, TError2> Fail(params IEnumerable<Error> errors) => new(default, Failures.Of(errors.Select(e => e.Value)));

    public static implicit operator Outcome<T, TError1, TError2>(T value) => new(value, []);

    public static implicit operator Outcome<T, TError1, TError2>(TError1 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2>(TError2 error) => new(default, [error]);

    /// <summary>One error of a type this outcome names, as an element of <see cref="Fail"/>.</summary>
    public readonly struct Error
    {
        private Error(MutationError value) => Value = value;

        internal MutationError? Value { get; }

        public static implicit operator Error(TError1 error) => new(error);

        public static implicit operator Error(TError2 error) => new(error);
    }
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
{
    private Outcome(T? value, IReadOnlyList<MutationError> errors) : base(value, errors)
    {
    }

    public static Outcome<T, TError1, TError2, TError3> Ok(T value) => new(value, []);

    /// <summary>Several errors at once (at least one), each of a type this outcome names.</summary>
    public static Outcome<T, TError1, TError2, TError3> Fail(params IEnumerable<Error> errors) => new(default, Failures.Of(errors.Select(e => e.Value)));

    public static implicit operator Outcome<T, TError1, TError2, TError3>(T value) => new(value, []);

    public static implicit operator Outcome<T, TError1, TError2, TError3>(TError1 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3>(TError2 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3>(TError3 error) => new(default, [error]);

    /// <summary>One error of a type this outcome names, as an element of <see cref="Fail"/>.</summary>
    public readonly struct Error
    {
        private Error(MutationError value) => Value = value;

        internal MutationError? Value { get; }

        public static implicit operator Error(TError1 error) => new(error);

        public static implicit operator Error(TError2 error) => new(error);

        public static implicit operator Error(TError3 error) => new(error);
    }
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3, TError4> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
    where TError4 : MutationError
{
    private Outcome(T? value, IReadOnlyList<MutationError> errors) : base(value, errors)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4> Ok(T value) => new(value, []);

    /// <summary>Several errors at once (at least one), each of a type this outcome names.</summary>
    public static Outcome<T, TError1, TError2, TError3, TError4> Fail(params IEnumerable<Error> errors) => new(default, Failures.Of(errors.Select(e => e.Value)));

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(T value) => new(value, []);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(TError1 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(TError2 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(TError3 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4>(TError4 error) => new(default, [error]);

    /// <summary>One error of a type this outcome names, as an element of <see cref="Fail"/>.</summary>
    public readonly struct Error
    {
        private Error(MutationError value) => Value = value;

        internal MutationError? Value { get; }

        public static implicit operator Error(TError1 error) => new(error);

        public static implicit operator Error(TError2 error) => new(error);

        public static implicit operator Error(TError3 error) => new(error);

        public static implicit operator Error(TError4 error) => new(error);
    }
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3, TError4, TError5> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
    where TError4 : MutationError
    where TError5 : MutationError
{
    private Outcome(T? value, IReadOnlyList<MutationError> errors) : base(value, errors)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4, TError5> Ok(T value) => new(value, []);

    /// <summary>Several errors at once (at least one), each of a type this outcome names.</summary>
    public static Outcome<T, TError1, TError2, TError3, TError4, TError5> Fail(params IEnumerable<Error> errors) => new(default, Failures.Of(errors.Select(e => e.Value)));

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(T value) => new(value, []);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError1 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError2 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError3 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError4 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5>(TError5 error) => new(default, [error]);

    /// <summary>One error of a type this outcome names, as an element of <see cref="Fail"/>.</summary>
    public readonly struct Error
    {
        private Error(MutationError value) => Value = value;

        internal MutationError? Value { get; }

        public static implicit operator Error(TError1 error) => new(error);

        public static implicit operator Error(TError2 error) => new(error);

        public static implicit operator Error(TError3 error) => new(error);

        public static implicit operator Error(TError4 error) => new(error);

        public static implicit operator Error(TError5 error) => new(error);
    }
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
    private Outcome(T? value, IReadOnlyList<MutationError> errors) : base(value, errors)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6> Ok(T value) => new(value, []);

    /// <summary>Several errors at once (at least one), each of a type this outcome names.</summary>
    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6> Fail(params IEnumerable<Error> errors) => new(default, Failures.Of(errors.Select(e => e.Value)));

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(T value) => new(value, []);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError1 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError2 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError3 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError4 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError5 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6>(TError6 error) => new(default, [error]);

    /// <summary>One error of a type this outcome names, as an element of <see cref="Fail"/>.</summary>
    public readonly struct Error
    {
        private Error(MutationError value) => Value = value;

        internal MutationError? Value { get; }

        public static implicit operator Error(TError1 error) => new(error);

        public static implicit operator Error(TError2 error) => new(error);

        public static implicit operator Error(TError3 error) => new(error);

        public static implicit operator Error(TError4 error) => new(error);

        public static implicit operator Error(TError5 error) => new(error);

        public static implicit operator Error(TError6 error) => new(error);
    }
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
    private Outcome(T? value, IReadOnlyList<MutationError> errors) : base(value, errors)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7> Ok(T value) => new(value, []);

    /// <summary>Several errors at once (at least one), each of a type this outcome names.</summary>
    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7> Fail(params IEnumerable<Error> errors) => new(default, Failures.Of(errors.Select(e => e.Value)));

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(T value) => new(value, []);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError1 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError2 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError3 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError4 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError5 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError6 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7>(TError7 error) => new(default, [error]);

    /// <summary>One error of a type this outcome names, as an element of <see cref="Fail"/>.</summary>
    public readonly struct Error
    {
        private Error(MutationError value) => Value = value;

        internal MutationError? Value { get; }

        public static implicit operator Error(TError1 error) => new(error);

        public static implicit operator Error(TError2 error) => new(error);

        public static implicit operator Error(TError3 error) => new(error);

        public static implicit operator Error(TError4 error) => new(error);

        public static implicit operator Error(TError5 error) => new(error);

        public static implicit operator Error(TError6 error) => new(error);

        public static implicit operator Error(TError7 error) => new(error);
    }
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
    private Outcome(T? value, IReadOnlyList<MutationError> errors) : base(value, errors)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8> Ok(T value) => new(value, []);

    /// <summary>Several errors at once (at least one), each of a type this outcome names.</summary>
    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8> Fail(params IEnumerable<Error> errors) => new(default, Failures.Of(errors.Select(e => e.Value)));

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(T value) => new(value, []);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError1 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError2 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError3 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError4 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError5 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError6 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError7 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8>(TError8 error) => new(default, [error]);

    /// <summary>One error of a type this outcome names, as an element of <see cref="Fail"/>.</summary>
    public readonly struct Error
    {
        private Error(MutationError value) => Value = value;

        internal MutationError? Value { get; }

        public static implicit operator Error(TError1 error) => new(error);

        public static implicit operator Error(TError2 error) => new(error);

        public static implicit operator Error(TError3 error) => new(error);

        public static implicit operator Error(TError4 error) => new(error);

        public static implicit operator Error(TError5 error) => new(error);

        public static implicit operator Error(TError6 error) => new(error);

        public static implicit operator Error(TError7 error) => new(error);

        public static implicit operator Error(TError8 error) => new(error);
    }
}

/// <summary><inheritdoc cref="Outcome{T, TError1}"/></summary>
public sealed class Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9> : OutcomeOf<T>
    where TError1 : MutationError
    where TError2 : MutationError
    where TError3 : MutationError
    where TError4 : MutationError
    where TError5 : MutationError
    where TError6 : MutationError
    where TError7 : MutationError
    where TError8 : MutationError
    where TError9 : MutationError
{
    private Outcome(T? value, IReadOnlyList<MutationError> errors) : base(value, errors)
    {
    }

    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9> Ok(T value) => new(value, []);

    /// <summary>Several errors at once (at least one), each of a type this outcome names.</summary>
    public static Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9> Fail(params IEnumerable<Error> errors) => new(default, Failures.Of(errors.Select(e => e.Value)));

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(T value) => new(value, []);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(TError1 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(TError2 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(TError3 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(TError4 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(TError5 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(TError6 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(TError7 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(TError8 error) => new(default, [error]);

    public static implicit operator Outcome<T, TError1, TError2, TError3, TError4, TError5, TError6, TError7, TError8, TError9>(TError9 error) => new(default, [error]);

    /// <summary>One error of a type this outcome names, as an element of <see cref="Fail"/>.</summary>
    public readonly struct Error
    {
        private Error(MutationError value) => Value = value;

        internal MutationError? Value { get; }

        public static implicit operator Error(TError1 error) => new(error);

        public static implicit operator Error(TError2 error) => new(error);

        public static implicit operator Error(TError3 error) => new(error);

        public static implicit operator Error(TError4 error) => new(error);

        public static implicit operator Error(TError5 error) => new(error);

        public static implicit operator Error(TError6 error) => new(error);

        public static implicit operator Error(TError7 error) => new(error);

        public static implicit operator Error(TError8 error) => new(error);

        public static implicit operator Error(TError9 error) => new(error);
    }
}

/// <summary>
/// One of two error types, for a rule that can refuse in either way (a version conflict or the post's state). A
/// handler turns it into its own outcome's error with <see cref="Match{TOut}"/>, so the types stay checked.
/// </summary>
public readonly struct OneOf<T1, T2>
    where T1 : MutationError
    where T2 : MutationError
{
    private OneOf(MutationError value) => Value = value;

    public MutationError Value { get; }

    public static implicit operator OneOf<T1, T2>(T1 error) => new(error);

    public static implicit operator OneOf<T1, T2>(T2 error) => new(error);

    public TOut Match<TOut>(Func<T1, TOut> first, Func<T2, TOut> second) => Value is T1 one ? first(one) : second((T2)Value);
}

/// <summary><inheritdoc cref="OneOf{T1, T2}"/></summary>
public readonly struct OneOf<T1, T2, T3>
    where T1 : MutationError
    where T2 : MutationError
    where T3 : MutationError
{
    private OneOf(MutationError value) => Value = value;

    public MutationError Value { get; }

    public static implicit operator OneOf<T1, T2, T3>(T1 error) => new(error);

    public static implicit operator OneOf<T1, T2, T3>(T2 error) => new(error);

    public static implicit operator OneOf<T1, T2, T3>(T3 error) => new(error);

    public TOut Match<TOut>(Func<T1, TOut> first, Func<T2, TOut> second, Func<T3, TOut> third) =>
        Value is T1 one ? first(one) : Value is T2 two ? second(two) : third((T3)Value);
}

internal static class Failures
{
    /// <summary>
    /// The errors of a failure: an empty list would read as a success without a value, and a <c>default</c> element
    /// (an <c>Error</c> made from nothing) as an error without a type.
    /// </summary>
    public static IReadOnlyList<MutationError> Of(IEnumerable<MutationError?> errors) =>
        errors.ToList() is { Count: > 0 } list && list.TrueForAll(e => e is not null)
            ? list.ConvertAll(e => e!)
            : throw new ArgumentException("A failure names at least one error, each of a type the outcome names.", nameof(errors));
}
