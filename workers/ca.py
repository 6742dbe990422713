"""The Labnet certificate authority's cryptography (guide 2.7): its key and certificate in one
directory of the web server, signing a host's CSR, and the revocation list. The key never
leaves that directory; what may be signed is decided by workers.services from the
configuration."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.files import write_atomic

KEY_FILE, CERT_FILE = "ca.key", "ca.pem"
CA_DAYS = 3650
HOST_DAYS = 365
CRL_DAYS = 30  # re-published daily (workers.tasks), so hosts always hold a current one
MAX_CSR_BYTES = 16 * 1024


class CAError(ValueError):
    """A request the CA refuses, or a CA that is missing or already made; the message names
    what is at fault."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Requested:
    """What a CSR asks for: its public key and the names and addresses of its SAN."""

    csr: x509.CertificateSigningRequest
    names: tuple[str, ...]
    addresses: tuple[str, ...]


def read_csr(pem: str) -> Requested:
    """Parse and check a host's CSR (PEM); refused when malformed, too long, or not signed
    by the key it carries."""
    data = pem.encode()
    if len(data) > MAX_CSR_BYTES:
        raise CAError(f"CSR of {len(data):,} bytes is longer than {MAX_CSR_BYTES:,}")
    try:
        csr = x509.load_pem_x509_csr(data)
    except ValueError:
        raise CAError("the CSR is not a PEM certificate signing request") from None
    try:
        if not csr.is_signature_valid:
            raise CAError("the CSR's signature does not match its key")
    except InvalidSignature:
        raise CAError("the CSR's signature does not match its key") from None
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise CAError("the CSR names no DNS name or IP address (no subjectAltName)") from None
    names = tuple(n.lower() for n in san.get_values_for_type(x509.DNSName))
    addresses = tuple(str(a) for a in san.get_values_for_type(x509.IPAddress))
    return Requested(csr, names, addresses)


class CertificateAuthority:
    """The CA held in directory: ca.key (mode 0600) and ca.pem."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        try:
            key = (self.directory / KEY_FILE).read_bytes()
            cert = (self.directory / CERT_FILE).read_bytes()
        except FileNotFoundError:
            raise CAError(
                f"no Labnet CA in {self.directory}: run manage.py labnetca init"
            ) from None
        self.key = serialization.load_pem_private_key(key, password=None)
        self.certificate = x509.load_pem_x509_certificate(cert)

    @classmethod
    def create(cls, directory: Path, name: str = "Labnet CA") -> CertificateAuthority:
        """Make a new CA in directory; refused when one is there already."""
        directory = Path(directory)
        if (directory / KEY_FILE).exists():
            raise CAError(f"{directory} already holds a Labnet CA")
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        key = ec.generate_private_key(ec.SECP384R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = _now()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA384())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_atomic(directory / KEY_FILE, key_pem, mode=0o600)
        write_atomic(directory / CERT_FILE, certificate.public_bytes(serialization.Encoding.PEM))
        return cls(directory)

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def sign(
        self,
        requested: Requested,
        common_name: str,
        days: int = HOST_DAYS,
        not_before: datetime.datetime | None = None,
    ) -> x509.Certificate:
        """A host certificate for requested's key and names, usable by TLS servers and
        clients (ipsec, LDAP)."""
        start = not_before or _now() - datetime.timedelta(minutes=5)
        public_key = requested.csr.public_key()
        san = [x509.DNSName(n) for n in requested.names]
        san += [x509.IPAddress(ip_address(a)) for a in requested.addresses]
        ski = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value), False
            )
            .sign(self.key, hashes.SHA384())
        )

    def crl(self, revoked: Iterable[tuple[int, datetime.datetime]], number: int) -> str:
        """The revocation list (PEM) of the given (serial, revocation time), valid CRL_DAYS."""
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - datetime.timedelta(minutes=5))
            .next_update(now + datetime.timedelta(days=CRL_DAYS))
            .add_extension(x509.CRLNumber(number), critical=False)
        )
        for serial, when in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        crl = builder.sign(self.key, hashes.SHA384())
        return crl.public_bytes(serialization.Encoding.PEM).decode()


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not cert_sign,
        data_encipherment=False,
        key_agreement=not cert_sign,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
