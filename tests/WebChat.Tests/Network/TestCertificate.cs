using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WebChat.Tests.Network;

/// <summary>Self-signed certificates for the TLS port, written where a test's settings point.</summary>
public static class TestCertificate
{
    public static X509Certificate2 Create(string name = "localhost")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>Writes the certificate and its key as PEM files (the key encrypted when <paramref name="password"/> is given).</summary>
    public static void WritePem(X509Certificate2 certificate, string certificatePath, string keyPath, string? password = null)
    {
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, password is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
    }

    public static void WritePfx(X509Certificate2 certificate, string path, string? password) =>
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
}
