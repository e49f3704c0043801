"""`facegate certs`: a local certificate authority and a server certificate for this
machine's host names and addresses, so tablets can open the camera over HTTPS.

Tablets trust the CA certificate (facegate-ca.crt) once; the server certificate it signs
can then be renewed without touching them again."""

import datetime
import ipaddress
import socket
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 825  # the longest lifetime Apple devices accept for a server certificate


def machine_names() -> tuple[list[str], list[str]]:
    """This machine's DNS names and IP addresses (loopback included)."""
    names: set[str] = {"localhost", socket.gethostname(), socket.getfqdn()}
    addresses = {"127.0.0.1", "::1"}
    try:
        import psutil

        for entries in psutil.net_if_addrs().values():
            for entry in entries:
                if entry.family in (socket.AF_INET, socket.AF_INET6):
                    addresses.add(entry.address.split("%")[0])
    except ImportError:
        addresses.update(str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None))
    return sorted(n for n in names if n), sorted(addresses)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _load_or_make_ca(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = folder / "facegate-ca.crt", folder / "facegate-ca.key"
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    key = _key()
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, f"facegate CA {socket.gethostname()}")]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write_key(key, key_path)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def write_certificates(folder: Path, extra_names: list[str] | None = None) -> Path:
    """Write (or renew) the server certificate; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = _load_or_make_ca(folder)
    names, addresses = machine_names()
    for extra in extra_names or []:
        try:
            addresses.append(str(ipaddress.ip_address(extra)))
        except ValueError:
            names.append(extra)
    san = [x509.DNSName(n) for n in dict.fromkeys(names)] + [
        x509.IPAddress(ipaddress.ip_address(a)) for a in dict.fromkeys(addresses)
    ]
    key = _key()
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(key, folder / "facegate.key")
    # The chain (server, then CA) so clients that do not know the CA can still see it.
    chain = cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(
        serialization.Encoding.PEM
    )
    (folder / "facegate.crt").write_bytes(chain)
    return folder / "facegate.crt"
