using System.Globalization;
using System.Reflection;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Limits;
using Wolverine;

namespace Nexus.Api.GraphQL;

/// <summary>
/// A mutation, declared once in its slice; the field, its input type, its payload type and its error union are
/// generated from the declaration. A slice declares it as a class with no body:
/// <code>
/// public sealed class RenameWorkspaceMutation() : Mutation&lt;RenameWorkspaceInput, RenameWorkspace, Guid&gt;(
///     "renameWorkspace", "Renames a workspace.", WorkspaceAccess.Needs(Role.Admin), WorkspacePayloads.Workspace,
///     (input, caller) =&gt; new(caller.WorkspaceId(), caller.UserId, input.Name));
/// </code>
/// What is generated, for a mutation named <c>renameWorkspace</c>:
/// <list type="bullet">
/// <item><c>renameWorkspace(input: RenameWorkspaceInput!): RenameWorkspacePayload!</c> with the description.</item>
/// <item><c>RenameWorkspaceInput</c> from the public properties of <typeparamref name="TInput"/> (a record), by
/// graphql-dotnet's auto-registering input type: nullability from the C# annotations (<c>string?</c> is optional),
/// <c>[property: Id]</c> for <c>ID</c>, <c>[property: Description("…")]</c> (or <see cref="DescribedAsAttribute"/>
/// when it holds a constant) for descriptions, enums as the enumeration graph type declared for them, lists and nested
/// records (each nested record becomes an input type named after it). String and ID inputs pass
/// <see cref="Scalars.TextInput"/>'s check as everywhere else.</item>
/// <item><c>RenameWorkspacePayload { errors: [RenameWorkspaceError!]! }</c> plus the one field
/// <see cref="Payload{TResult}"/> describes (<c>workspace</c>, <c>user</c>, <c>done</c>…).</item>
/// <item><c>union RenameWorkspaceError</c>: <see cref="ValidationError"/> and exactly the errors named by the return
/// type of the command's handler, <c>Outcome&lt;TResult, E1, …&gt;</c> (see <see cref="OutcomeOf{T}"/>). A handler
/// can only answer the errors its return type names, and the union is read from it, so the two cannot drift.
/// <see cref="ValidationError"/> is in every union: every command passes the validation step (its nested
/// <c>Validator</c>, when it has one), and a validator added later does not change the schema.</item>
/// </list>
/// At run time the field: applies <see cref="Access"/>, builds the command from the input and the <see cref="Caller"/>,
/// runs its <c>Validator</c> (failures are <c>VALIDATION</c> errors with input paths; the handler never sees an
/// invalid command), invokes the handler through Wolverine, and builds the payload from its answer.
/// </summary>
/// <typeparam name="TInput">The input record; its GraphQL type is <c>{Mutation}Input</c>. It may be the command itself.</typeparam>
/// <typeparam name="TCommand">The command sent to the handler.</typeparam>
/// <typeparam name="TResult">What the handler answers on success (an id, a URL...): the <c>T</c> of its <c>Outcome&lt;T, …&gt;</c>.</typeparam>
[MutationType]
public abstract class Mutation<TInput, TCommand, TResult> : IRootFields, IMutationDeclaration
    where TInput : class
    where TCommand : notnull
{
    private readonly Access _access;
    private readonly Payload<TResult> _payload;
    private readonly Func<TInput, Caller, TCommand> _command;

    /// <param name="name">The field name, camelCase; the generated type names start with it, capitalised.</param>
    /// <param name="description">The field's description in the schema.</param>
    /// <param name="access">Who may call it: <see cref="Access.SignedIn"/>, <see cref="Access.Public"/>, or an area's rule (e.g. <c>WorkspaceAccess.Needs(Role.Admin)</c>).</param>
    /// <param name="payload">The payload's field besides <c>errors</c>, built from the handler's answer.</param>
    /// <param name="command">Builds the command from the input and the caller; parse global ids here.</param>
    protected Mutation(string name, string description, Access access, Payload<TResult> payload, Func<TInput, Caller, TCommand> command)
    {
        Name = name;
        Description = description;
        _access = access;
        _payload = payload;
        _command = command;
    }

    public string Name { get; }

    public string Description { get; }

    /// <summary>The prefix of the generated type names: <c>renameWorkspace</c> gives <c>RenameWorkspace</c>.</summary>
    public string TypeName => char.ToUpperInvariant(Name[0]) + Name[1..];

    public Type CommandType => typeof(TCommand);

    public void AddTo(ObjectGraphType root)
    {
        var handler = MutationHandler.For(typeof(TCommand), typeof(TResult));
        var union = new GeneratedErrorUnion(TypeName + "Error", handler.Errors);
        var payload = new GeneratedPayloadType(TypeName + "Payload", _payload, union);
        var input = new AutoRegisteringInputObjectGraphType<TInput> { Name = TypeName + "Input" };
        var field = FieldBuilder<object?, object>.Create(Name, new NonNullGraphType(payload))
            .Description(Description)
            .Argument(new NonNullGraphType(input), "input");
        _access.ApplyTo(field);
        field.ResolveAsync(async context => await ResolveAsync(context, handler));
        root.AddField(field.FieldType);
    }

    private async Task<MutationPayload> ResolveAsync(IResolveFieldContext context, MutationHandler handler)
    {
        var command = _command(context.GetArgument<TInput>("input"), new Caller(context));
        var errors = await Mutations.ValidateAsync(context, command);
        if (errors.Count == 0)
        {
            IOutcome outcome;
            try
            {
                outcome = await handler.InvokeAsync(context.RequestServices!.GetRequiredService<IMessageBus>(), command, context.CancellationToken);
            }
            catch (Exception ex) when (Infrastructure.Persistence.IsConcurrencyConflict(ex))
            {
                // Every retry lost the race (writers kept committing to the same stream): the caller reloads and tries again.
                var conflict = await MutationConflicts.AnswerAsync(context.RequestServices!, command, handler.Errors, ex, context.CancellationToken);
                if (conflict is null)
                {
                    throw;
                }

                return new MutationPayload(await _payload.ValueAsync(context, default, succeeded: false), [conflict]);
            }

            errors = outcome.Errors;
            if (errors.Count == 0)
            {
                return new MutationPayload(await _payload.ValueAsync(context, (TResult)outcome.Value!, succeeded: true), errors, _payload.ExtraValues((TResult)outcome.Value!));
            }
        }

        return new MutationPayload(await _payload.ValueAsync(context, default, succeeded: false), errors);
    }
}

/// <summary>What tests and tools read of a <see cref="Mutation{TInput, TCommand, TResult}"/> declaration.</summary>
public interface IMutationDeclaration
{
    string Name { get; }

    string TypeName { get; }

    Type CommandType { get; }
}

/// <summary>
/// Who calls a generated mutation, as its command-building function sees it. Areas add what their access rule
/// established as extension methods (e.g. <c>caller.WorkspaceId()</c>).
/// </summary>
public sealed class Caller(IResolveFieldContext context)
{
    /// <summary>The field's context, for what the caller's token carries besides its user (e.g. its authorization id).</summary>
    public IResolveFieldContext Context => context;

    /// <summary>
    /// The signed-in person. A service client (a token without a person) is refused with <c>FORBIDDEN</c>: the
    /// mutation acts as someone.
    /// </summary>
    public Guid UserId => context.UserId()
        ?? throw new ForbiddenError($"Only people can use `{context.FieldDefinition.Name}`; sign in as a user.");
}

/// <summary>Who may call a generated mutation; applied to the field before its resolver runs.</summary>
public sealed class Access
{
    private readonly Action<FieldBuilder<object?, object>> _apply;

    private Access(Action<FieldBuilder<object?, object>> apply) => _apply = apply;

    /// <summary>Any signed-in caller: the default of every root field (see <see cref="AuthenticationRule"/>).</summary>
    public static Access SignedIn { get; } = new(_ => { });

    /// <summary>Anyone, signed in or not; with <paramref name="rateLimit"/>, each call counts against that <c>NexusRateLimiter</c> policy.</summary>
    public static Access Public(string? rateLimit = null) => new(field =>
    {
        field.Public();
        if (rateLimit is not null)
        {
            field.RateLimited(rateLimit);
        }
    });

    /// <summary>An area's own rule, as field middleware (e.g. a workspace role check); areas wrap it in a named factory.</summary>
    public static Access Rule(Action<FieldBuilder<object?, object>> apply) => new(apply);

    /// <summary>This access, and an app's token needs <paramref name="scope"/> (an <c>AppScope</c>) besides: see <see cref="FieldScopes"/>.</summary>
    public Access Scope(string scope) => new(field =>
    {
        _apply(field);
        field.Scope(scope);
    });

    /// <summary>This access, and never open to an app's token (see <see cref="FieldScopes.FirstPartyOnly{TSource, TReturn}"/>).</summary>
    public Access FirstPartyOnly() => new(field =>
    {
        _apply(field);
        field.FirstPartyOnly();
    });

    internal void ApplyTo(FieldBuilder<object?, object> field) => _apply(field);
}

/// <summary>
/// The field a generated payload carries besides <c>errors</c>, and how its value is made from the handler's answer.
/// Areas define their shared shapes once (<c>WorkspacePayloads.Workspace</c>, <c>AccountPayloads.User</c>); a
/// one-off shape can be written inline in the declaration.
/// </summary>
/// <typeparam name="TResult">What the handler answers on success.</typeparam>
public sealed class Payload<TResult> : IPayloadShape
{
    private readonly Func<IResolveFieldContext, TResult?, bool, Task<object?>> _value;

    private readonly List<(PayloadField Field, Func<TResult, object?> Value)> _extras = [];

    private Payload(string field, Type graphType, string? description, Func<IResolveFieldContext, TResult?, bool, Task<object?>> value)
    {
        Field = field;
        GraphType = graphType;
        Description = description;
        _value = value;
    }

    /// <summary>
    /// This payload with one more field <paramref name="name"/> (of a nullable <typeparamref name="TGraphType"/>), taken
    /// from the handler's answer after a success and null otherwise: e.g. a secret shown once beside the object it
    /// belongs to (<c>{ endpoint secret }</c>). Call it once, where the shape is declared.
    /// </summary>
    public Payload<TResult> And<TGraphType>(string name, string? description, Func<TResult, object?> value)
        where TGraphType : IGraphType
    {
        _extras.Add((new PayloadField(name, typeof(TGraphType), description), value));
        return this;
    }

    public IReadOnlyList<PayloadField> Extras => [.. _extras.Select(e => e.Field)];

    internal IReadOnlyDictionary<string, object?>? ExtraValues(TResult result) =>
        _extras.Count == 0 ? null : _extras.ToDictionary(e => e.Field.Name, e => e.Value(result));

    /// <summary><c>done: Boolean!</c>, true on success: for mutations whose result is nothing the caller can read.</summary>
    public static Payload<TResult> Done { get; } =
        new("done", typeof(NonNullGraphType<BooleanGraphType>), null, (_, _, succeeded) => Task.FromResult<object?>(succeeded));

    /// <summary>
    /// A field <paramref name="name"/> of <typeparamref name="TGraphType"/>, whose value <paramref name="value"/>
    /// makes from the handler's answer after a success; <paramref name="whenFailed"/> (null by default) otherwise.
    /// </summary>
    public static Payload<TResult> Of<TGraphType>(string name, string? description, Func<IResolveFieldContext, TResult, Task<object?>> value, object? whenFailed = null)
        where TGraphType : IGraphType =>
        new(name, typeof(TGraphType), description, (context, result, succeeded) => succeeded ? value(context, result!) : Task.FromResult(whenFailed));

    /// <summary>
    /// As <see cref="Of{TGraphType}"/>, but <paramref name="value"/> also runs after a failure, with the default
    /// <typeparamref name="TResult"/>: for payloads that show the current state either way (e.g. the post as it is
    /// after a <c>VERSION_CONFLICT</c>, read by the input's id).
    /// </summary>
    public static Payload<TResult> Always<TGraphType>(string name, string? description, Func<IResolveFieldContext, TResult?, Task<object?>> value)
        where TGraphType : IGraphType =>
        new(name, typeof(TGraphType), description, (context, result, _) => value(context, result));

    public string Field { get; }

    public Type GraphType { get; }

    public string? Description { get; }

    internal Task<object?> ValueAsync(IResolveFieldContext context, TResult? result, bool succeeded) => _value(context, result, succeeded);
}

/// <summary>The payload field's schema part, as the generated payload type reads it.</summary>
public interface IPayloadShape
{
    string Field { get; }

    Type GraphType { get; }

    string? Description { get; }

    /// <summary>Fields after the main one (see <see cref="Payload{TResult}.And{TGraphType}"/>).</summary>
    IReadOnlyList<PayloadField> Extras { get; }
}

/// <summary>A payload field besides the main one and <c>errors</c>.</summary>
public sealed record PayloadField(string Name, Type GraphType, string? Description);

/// <summary>What a generated mutation field resolves to: its payload field's value, the errors, and any extra fields' values.</summary>
public sealed record MutationPayload(object? Value, IReadOnlyList<MutationError> Errors, IReadOnlyDictionary<string, object?>? Extras = null);

/// <summary>
/// A description with constants in it, for input records: <c>[property: DescribedAs("At most {0} characters.", Max)]</c>
/// (a <see cref="System.ComponentModel.DescriptionAttribute"/> can only hold a constant string).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DescribedAsAttribute(string format, params object[] args) : GraphQLAttribute
{
    public string Text { get; } = string.Format(CultureInfo.InvariantCulture, format, args);

    public override void Modify(FieldType fieldType, bool isInputType) => fieldType.Description = Text;
}

/// <summary>
/// The handler of a mutation's command, found the way Wolverine finds it (a <c>…Handler</c> class, a
/// <c>Handle</c>/<c>Consume</c> method taking the command first), and the <c>Outcome&lt;TResult, E1, …&gt;</c> it answers.
/// </summary>
public sealed class MutationHandler
{
    private static readonly string[] MethodNames = ["Handle", "HandleAsync", "Handles", "HandlesAsync", "Consume", "ConsumeAsync", "Consumes", "ConsumesAsync"];

    private readonly Func<IMessageBus, object, CancellationToken, Task<IOutcome>> _invoke;

    private MutationHandler(MethodInfo method, Type outcome)
    {
        Method = method;
        OutcomeType = outcome;
        Errors = [.. outcome.GetGenericArguments().Skip(1).Where(t => t != typeof(NoError))];
        _invoke = typeof(MutationHandler).GetMethod(nameof(InvokeAsync), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(outcome).CreateDelegate<Func<IMessageBus, object, CancellationToken, Task<IOutcome>>>();
    }

    public MethodInfo Method { get; }

    /// <summary>The <c>Outcome&lt;TResult, E1, …&gt;</c> in the handler's return type.</summary>
    public Type OutcomeType { get; }

    /// <summary>The errors the handler's return type names (without <see cref="NoError"/>).</summary>
    public IReadOnlyList<Type> Errors { get; }

    /// <summary>The handler of <paramref name="command"/>; fails with the reason when it is missing or does not name its errors.</summary>
    public static MutationHandler For(Type command, Type result)
    {
        var methods = command.Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Handler", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => MethodNames.Contains(m.Name) && m.GetParameters() is [var first, ..] && first.ParameterType == command)
            .ToList();
        if (methods is not [var method])
        {
            throw new InvalidOperationException($"{command.Name} needs exactly one handler method (found {methods.Count}).");
        }

        var outcomes = ReturnedTypes(method.ReturnType).Where(IsOutcome).ToList();
        if (outcomes is not [var outcome] || outcome.GetGenericArguments()[0] != result)
        {
            throw new InvalidOperationException(
                $"{method.DeclaringType!.Name}.{method.Name} must answer Outcome<{result.Name}, E1, …> naming the errors it can return " +
                $"(Outcome<{result.Name}, NoError> when it has none); it answers {method.ReturnType}.");
        }

        return new MutationHandler(method, outcome);
    }

    /// <summary>Whether <paramref name="type"/> is one of <c>Outcome&lt;T, E1, …&gt;</c>.</summary>
    public static bool IsOutcome(Type type) =>
        type.IsGenericType && type.BaseType is { IsGenericType: true } parent && parent.GetGenericTypeDefinition() == typeof(OutcomeOf<>);

    /// <summary>The types a handler returns: the method's return type without <c>Task</c>, and a tuple's elements.</summary>
    public static IEnumerable<Type> ReturnedTypes(Type type)
    {
        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            type = type.GetGenericArguments()[0];
        }

        return type.IsGenericType && type.FullName!.StartsWith("System.ValueTuple`", StringComparison.Ordinal)
            ? type.GetGenericArguments().SelectMany(ReturnedTypes)
            : [type];
    }

    internal Task<IOutcome> InvokeAsync(IMessageBus bus, object command, CancellationToken ct) => _invoke(bus, command, ct);

    private static async Task<IOutcome> InvokeAsync<TOutcome>(IMessageBus bus, object command, CancellationToken ct) where TOutcome : IOutcome =>
        await bus.InvokeAsync<TOutcome>(command, ct);
}

/// <summary>A generated <c>{Mutation}Payload</c>.</summary>
[DoNotRegister]
internal sealed class GeneratedPayloadType : ObjectGraphType<MutationPayload>
{
    public GeneratedPayloadType(string name, IPayloadShape shape, GeneratedErrorUnion errors)
    {
        Name = name;
        var value = Field(shape.Field, shape.GraphType).Resolve(ctx => ctx.Source.Value);
        if (shape.Description is not null)
        {
            value.Description(shape.Description);
        }

        foreach (var extra in shape.Extras)
        {
            var field = extra.Name;
            Field(field, extra.GraphType).Description(extra.Description).Resolve(ctx => ctx.Source.Extras?.GetValueOrDefault(field));
        }

        Field("errors", new NonNullGraphType(new ListGraphType(new NonNullGraphType(errors)))).Resolve(ctx => ctx.Source.Errors);
    }
}

/// <summary>
/// A generated <c>{Mutation}Error</c> union: <see cref="ValidationError"/>, always (every command is validated), and
/// the errors the handler's outcome names.
/// </summary>
[DoNotRegister]
internal sealed class GeneratedErrorUnion : UnionGraphType
{
    public GeneratedErrorUnion(string name, IEnumerable<Type> errors)
    {
        Name = name;
        Type<ErrorType<ValidationError>>();
        foreach (var error in errors)
        {
            Type(typeof(ErrorType<>).MakeGenericType(error));
        }
    }
}
