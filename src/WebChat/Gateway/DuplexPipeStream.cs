using System.Buffers;
using System.IO.Pipelines;

namespace WebChat.Gateway;

/// <summary>
/// A connection's pipes as a stream, for <see cref="System.Net.Security.SslStream"/> to run TLS over. A zero-byte
/// read waits for data without taking a buffer, so an idle TLS connection holds no read buffer.
/// Disposing completes both pipes (the socket closes).
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await pipe.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                pipe.Input.AdvanceTo(buffer.Start);
                throw new OperationCanceledException("The read was canceled");
            }
            if (buffer.IsEmpty && !result.IsCompleted)
            {
                pipe.Input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            if (destination.IsEmpty)
            {
                // Data is there (or the end): tell the caller without consuming anything.
                pipe.Input.AdvanceTo(buffer.Start);
                return 0;
            }
            var n = (int)Math.Min(buffer.Length, destination.Length);
            buffer.Slice(0, n).CopyTo(destination.Span);
            pipe.Input.AdvanceTo(buffer.GetPosition(n));
            return n;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        var flush = await pipe.Output.WriteAsync(source, cancellationToken).ConfigureAwait(false);
        if (flush.IsCompleted) throw new IOException("The connection is closed");
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override void Flush() { }
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pipe.Input.Complete();
            pipe.Output.Complete();
        }
        base.Dispose(disposing);
    }
}
