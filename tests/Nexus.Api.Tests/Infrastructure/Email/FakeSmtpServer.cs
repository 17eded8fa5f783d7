using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace Nexus.Api.Tests.Infrastructure.Email;

/// <summary>A mail transaction the fake server accepted (or refused, when <see cref="Accepted"/> is false).</summary>
public sealed record ReceivedSmtpMail(string? MailFrom, IReadOnlyList<string> Recipients, string Data, string? Username, string? Password, bool Accepted)
{
    public MimeMessage Parse() => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(Data)));
}

/// <summary>
/// Just enough of an SMTP server for tests, on 127.0.0.1 and a free port: greeting, EHLO (AUTH PLAIN LOGIN, no
/// STARTTLS), AUTH PLAIN / LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It records what it receives and can refuse
/// DATA with a transient 451 or a recipient with a permanent 550. Every conversation is cut after 30 seconds.
/// </summary>
public sealed class FakeSmtpServer : IDisposable
{
    private static readonly TimeSpan ConversationLimit = TimeSpan.FromSeconds(30);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedSmtpMail> _transactions = new();
    private readonly ConcurrentDictionary<string, bool> _rejected = new(StringComparer.OrdinalIgnoreCase);
    private int _transientDataFailures;

    private FakeSmtpServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Every completed DATA, accepted or refused, in order.</summary>
    public IReadOnlyList<ReceivedSmtpMail> Transactions => [.. _transactions];

    public static FakeSmtpServer Start() => new();

    /// <summary>The next <paramref name="count"/> messages are refused after DATA with <c>451</c> (try again later).</summary>
    public void FailNextData(int count) => Volatile.Write(ref _transientDataFailures, count);

    /// <summary>RCPT TO this address is refused with <c>550</c> (no such mailbox), a permanent failure.</summary>
    public void RejectRecipient(string address) => _rejected[address] = true;

    public IReadOnlyList<ReceivedSmtpMail> For(string recipient) =>
        [.. _transactions.Where(t => t.Recipients.Contains(recipient, StringComparer.OrdinalIgnoreCase))];

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var connection = client;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(ConversationLimit);
        try
        {
            var stream = connection.GetStream();
            using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
            await ConverseAsync(reader, writer, limit.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The client hung up, the conversation ran out of time, or the server is stopping.
        }
    }

    private async Task ConverseAsync(StreamReader reader, StreamWriter writer, CancellationToken ct)
    {
        string? mailFrom = null, username = null, password = null;
        var recipients = new List<string>();

        await writer.WriteLineAsync("220 fake.test ESMTP ready".AsMemory(), ct);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var argument = space < 0 ? "" : line[(space + 1)..].Trim();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteAsync("250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 10485760\r\n".AsMemory(), ct);
                    break;
                case "HELO":
                    await writer.WriteLineAsync("250 fake.test".AsMemory(), ct);
                    break;
                case "AUTH":
                    (username, password) = await AuthenticateAsync(argument, reader, writer, ct);
                    await writer.WriteLineAsync("235 2.7.0 Authentication successful".AsMemory(), ct);
                    break;
                case "MAIL":
                    mailFrom = AddressIn(argument);
                    recipients.Clear();
                    await writer.WriteLineAsync("250 2.1.0 OK".AsMemory(), ct);
                    break;
                case "RCPT":
                    var recipient = AddressIn(argument);
                    if (_rejected.ContainsKey(recipient))
                    {
                        await writer.WriteLineAsync("550 5.1.1 No such mailbox".AsMemory(), ct);
                        break;
                    }

                    recipients.Add(recipient);
                    await writer.WriteLineAsync("250 2.1.5 OK".AsMemory(), ct);
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>".AsMemory(), ct);
                    var data = await ReadDataAsync(reader, ct);
                    var refuse = Interlocked.Decrement(ref _transientDataFailures) >= 0;
                    _transactions.Enqueue(new ReceivedSmtpMail(mailFrom, [.. recipients], data, username, password, !refuse));
                    await writer.WriteLineAsync((refuse ? "451 4.3.0 Try again later" : "250 2.0.0 Queued").AsMemory(), ct);
                    break;
                case "RSET":
                    (mailFrom, recipients) = (null, []);
                    await writer.WriteLineAsync("250 2.0.0 OK".AsMemory(), ct);
                    break;
                case "NOOP":
                    await writer.WriteLineAsync("250 2.0.0 OK".AsMemory(), ct);
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 2.0.0 Bye".AsMemory(), ct);
                    return;
                default:
                    await writer.WriteLineAsync("502 5.5.2 Command not recognized".AsMemory(), ct);
                    break;
            }
        }
    }

    private static async Task<(string? Username, string? Password)> AuthenticateAsync(string argument, StreamReader reader, StreamWriter writer, CancellationToken ct)
    {
        var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        var mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : "";
        var initial = parts.Length > 1 ? parts[1] : null;
        if (mechanism == "PLAIN")
        {
            if (initial is null)
            {
                await writer.WriteLineAsync("334 ".AsMemory(), ct);
                initial = await reader.ReadLineAsync(ct) ?? "";
            }

            // authzid \0 authcid \0 password
            var fields = Decode(initial).Split('\0');
            return fields.Length == 3 ? (fields[1], fields[2]) : (null, null);
        }

        if (initial is null)
        {
            await writer.WriteLineAsync("334 VXNlcm5hbWU6".AsMemory(), ct); // "Username:"
            initial = await reader.ReadLineAsync(ct) ?? "";
        }

        await writer.WriteLineAsync("334 UGFzc3dvcmQ6".AsMemory(), ct); // "Password:"
        var secret = await reader.ReadLineAsync(ct) ?? "";
        return (Decode(initial), Decode(secret));
    }

    private static async Task<string> ReadDataAsync(StreamReader reader, CancellationToken ct)
    {
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(ct) is { } line && line != ".")
        {
            // Undo dot-stuffing (RFC 5321 §4.5.2).
            data.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
        }

        return data.ToString();
    }

    private static string AddressIn(string argument)
    {
        var open = argument.IndexOf('<', StringComparison.Ordinal);
        var close = argument.IndexOf('>', StringComparison.Ordinal);
        return open >= 0 && close > open ? argument[(open + 1)..close] : argument;
    }

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));
}
