using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WebChat.Groups;

namespace WebChat.Gateway;

/// <summary>
/// The TLS port's certificate, from <c>Chat:Gateway:Certificate</c>: a PEM certificate (chain allowed) with its PEM
/// key (<c>KeyPath</c>, or the key in the same file), or a PFX file. Loading at start fails with an error that
/// names the key at fault. While running, the files are read again every <c>ReloadCheckSeconds</c> when a
/// connection arrives; changed files that load become the certificate for new connections, and files caught
/// half-written keep the previous certificate until they load.
/// </summary>
public sealed class GatewayCertificate
{
    private const string Key = "Chat:Gateway:Certificate";

    private readonly CertificateOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly TimeSpan _checkEvery;
    private readonly Lock _lock = new();
    private SslStreamCertificateContext _current;
    private byte[][] _files;
    private long _checkedAt;

    private GatewayCertificate(CertificateOptions options, TimeProvider time, ILogger log)
    {
        (_options, _time, _log) = (options, time, log);
        _checkEvery = TimeSpan.FromSeconds(Math.Max(0, options.ReloadCheckSeconds));
        _files = ReadFiles(options);
        _current = Load(options, _files);
        _checkedAt = time.GetTimestamp();
    }

    /// <summary>Loads the certificate or throws an <see cref="InvalidOperationException"/> that names the setting at fault.</summary>
    public static GatewayCertificate Load(CertificateOptions options, TimeProvider time, ILogger log) => new(options, time, log);

    public X509Certificate2 Certificate => Current.TargetCertificate;

    /// <summary>The certificate for a new connection (the files are checked first when the interval has passed).</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            if (_time.GetElapsedTime(Volatile.Read(ref _checkedAt)) >= _checkEvery) CheckForRenewal();
            return Volatile.Read(ref _current);
        }
    }

    private void CheckForRenewal()
    {
        if (!_lock.TryEnter()) return; // another connection is checking; this one takes the current certificate
        try
        {
            Volatile.Write(ref _checkedAt, _time.GetTimestamp());
            byte[][] files;
            try { files = ReadFiles(_options); }
            catch (InvalidOperationException ex)
            {
                GatewayLog.CertificateNotReloaded(_log, ex.Message);
                return;
            }
            if (files.Length == _files.Length && files.Zip(_files).All(p => p.First.AsSpan().SequenceEqual(p.Second))) return;
            try
            {
                var renewed = Load(_options, files);
                Volatile.Write(ref _current, renewed);
                GatewayLog.CertificateReloaded(_log, renewed.TargetCertificate.Subject, renewed.TargetCertificate.NotAfter);
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                GatewayLog.CertificateNotReloaded(_log, ex.Message);
            }
            _files = files;
        }
        finally
        {
            _lock.Exit();
        }
    }

    private static byte[][] ReadFiles(CertificateOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Path))
            throw new InvalidOperationException(
                $"Chat:Gateway:TlsPort is set but {Key}:Path is not: the TLS port needs a certificate (a PEM file with {Key}:KeyPath, or a PFX file)");
        var certificate = Read(options.Path, "Path");
        return string.IsNullOrWhiteSpace(options.KeyPath) ? [certificate] : [certificate, Read(options.KeyPath, "KeyPath")];
    }

    private static byte[] Read(string path, string key)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{Key}:{key}: cannot read '{path}': {ex.Message}", ex);
        }
    }

    private static SslStreamCertificateContext Load(CertificateOptions options, byte[][] files)
    {
        var isPem = files[0].AsSpan().IndexOf("-----BEGIN"u8) >= 0;
        X509Certificate2 leaf;
        X509Certificate2Collection chain = [];
        if (isPem)
        {
            var certificatePem = System.Text.Encoding.ASCII.GetString(files[0]);
            try { chain.ImportFromPem(certificatePem); }
            catch (CryptographicException ex) { throw Bad("Path", options.Path!, "holds no readable PEM certificate", ex); }
            if (chain.Count == 0) throw Bad("Path", options.Path!, "holds no PEM certificate");
            var keyPem = files.Length > 1 ? System.Text.Encoding.ASCII.GetString(files[1]) : certificatePem;
            var keyKey = files.Length > 1 ? "KeyPath" : "Path";
            var keyFile = files.Length > 1 ? options.KeyPath! : options.Path!;
            try
            {
                leaf = string.IsNullOrEmpty(options.Password)
                    ? X509Certificate2.CreateFromPem(certificatePem, keyPem)
                    : X509Certificate2.CreateFromEncryptedPem(certificatePem, keyPem, options.Password);
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                throw Bad(keyKey, keyFile, "holds no private key that matches the certificate (or " + Key + ":Password is wrong)", ex);
            }
            chain.RemoveAt(0);
        }
        else
        {
            try
            {
                var all = X509CertificateLoader.LoadPkcs12Collection(files[0], options.Password);
                leaf = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw Bad("Path", options.Path!, "has no certificate with a private key");
                foreach (var c in all) if (!ReferenceEquals(c, leaf)) chain.Add(c);
            }
            catch (CryptographicException ex)
            {
                throw Bad("Path", options.Path!, "is neither a PEM certificate nor a PFX file this password opens (" + Key + ":Password)", ex);
            }
        }
        if (!leaf.HasPrivateKey) throw Bad("KeyPath", options.KeyPath ?? options.Path!, "gives no private key for the certificate");
        return SslStreamCertificateContext.Create(leaf, chain, offline: true);
    }

    private static InvalidOperationException Bad(string key, string path, string what, Exception? inner = null) =>
        new($"{Key}:{key}: '{path}' {what}" + (inner is null ? "" : $": {inner.Message}"), inner);
}
