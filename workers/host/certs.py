"""The host's certificate from the Labnet CA (guide 2.3 step 8, 2.7): checked at every sanity
pass and when the host's cert_cmd asks; renewed with a new key when missing, expiring within
30 days, not matching its key, or naming other names or addresses than the host owns in the
configuration. Key and certificate are installed atomically, then the services' reload
scripts run."""

from __future__ import annotations

import datetime
import grp
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path
from typing import TYPE_CHECKING

from core.files import write_atomic

from .client import ApiClient, ApiError, ApiUnavailable
from .identity import Identity, host_identity
from .paths import AgentPaths, under
from .scripts import ScriptRun, run_script

# cryptography (about 10 MB once loaded) is imported where it is used: an agent on a campus
# without a Labnet CA never checks a certificate, and one with it only at the sanity pass.
if TYPE_CHECKING:
    from cryptography import x509

CERT_DIR = "/etc/ssl/labnet"
KEY_PATH = f"{CERT_DIR}/host.key"
CERT_PATH = f"{CERT_DIR}/host.pem"
# Each executable here runs after a new certificate is installed (ship them as managed files
# with mode 0755: `systemctl reload slapd`, `ipsec rereadcerts`, ...).
RELOAD_DIR = f"{CERT_DIR}/reload.d"
RENEW_BEFORE = datetime.timedelta(days=30)
CERT_CMD = "cert_cmd"
# The fileMgr entity `labnetca init` ships (the CA's certificate): a campus without it has no
# CA, so a sanity pass does not ask for a certificate (docs/identity.md).
CA_FILE_ENTITY = "labnet_ca"
RENEW = "renew"
REVOKE = ("revoke", "revoke+renew")  # both: revoke the current certificate, then renew
# Debian's group for daemons that read private keys (slapd, postfix): when it exists the key
# is root:ssl-cert 0640, else root-only 0600.
KEY_GROUP = "ssl-cert"


@dataclass
class CertificateCheck:
    """What one check did: why it renewed (None: nothing to do), the new serial, the reload
    scripts run and the errors met."""

    reason: str | None = None
    serial: str | None = None
    scripts: list[ScriptRun] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def san_of(certificate: x509.Certificate) -> tuple[set[str], set[str]]:
    """The DNS names and IP addresses a certificate names."""
    from cryptography import x509

    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set(), set()
    names = {n.lower() for n in san.get_values_for_type(x509.DNSName)}
    return names, {str(a) for a in san.get_values_for_type(x509.IPAddress)}


def _installed(root: Path) -> tuple[x509.Certificate | None, bytes | None]:
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(under(root, CERT_PATH).read_bytes())
    except (FileNotFoundError, ValueError):
        certificate = None
    try:
        key = under(root, KEY_PATH).read_bytes()
    except FileNotFoundError:
        key = None
    return certificate, key


def _key_matches(certificate: x509.Certificate, key_pem: bytes) -> bool:
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        return False
    der = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(*der) == certificate.public_key().public_bytes(*der)


def renewal_reason(
    root: Path, identity: Identity, command: str, now: datetime.datetime
) -> str | None:
    """Why the installed certificate must be replaced, or None when it is right."""
    if command == RENEW or command in REVOKE:
        return f"cert_cmd {command}"
    certificate, key = _installed(root)
    if certificate is None:
        return "no certificate installed"
    if key is None or not _key_matches(certificate, key):
        return "the installed key does not match the certificate"
    if certificate.not_valid_after_utc - now < RENEW_BEFORE:
        return f"it expires on {certificate.not_valid_after_utc:%Y-%m-%d}"
    if san_of(certificate) != (set(identity.names), set(identity.addresses)):
        return "its names or addresses differ from the configuration's"
    return None


def certificate_request(identity: Identity) -> tuple[bytes, str]:
    """A new private key (PEM) and a CSR (PEM) naming every name and address of identity."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(n) for n in sorted(identity.names)]
    san += [x509.IPAddress(ip_address(a)) for a in identity.addresses]
    common_name = identity.fqdn or identity.host
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, csr.public_bytes(serialization.Encoding.PEM).decode()


def _key_owner() -> tuple[tuple[int, int] | None, int]:
    if os.geteuid() != 0:
        return None, 0o600  # a test or demo install under LABNET_ROOT: the agent's own user
    try:
        return (0, grp.getgrnam(KEY_GROUP).gr_gid), 0o640
    except KeyError:
        return (0, 0), 0o600


def install(paths: AgentPaths, key_pem: bytes, certificate_pem: str) -> None:
    """Key first, then certificate, each by an atomic rename: a reader sees the old pair or,
    for the moment between the renames, a new key with the old certificate, which the next
    check finds ("key does not match") and replaces."""
    owner, mode = _key_owner()
    write_atomic(under(paths.root, KEY_PATH), key_pem, owner=owner, mode=mode)
    write_atomic(
        under(paths.root, CERT_PATH),
        certificate_pem.encode(),
        owner=(0, 0) if owner else None,
        mode=0o644,
    )


def reload_services(paths: AgentPaths) -> list[ScriptRun]:
    """Run each executable of RELOAD_DIR, in name order, told where the certificate is."""
    directory = under(paths.root, RELOAD_DIR)
    if not directory.is_dir():
        return []
    scripts = sorted(p for p in directory.iterdir() if p.is_file() and os.access(p, os.X_OK))
    certificate = under(paths.root, CERT_PATH)
    return [
        run_script(f"{RELOAD_DIR}/{p.name}", "certificate", certificate, paths) for p in scripts
    ]


def check_certificate(
    client: ApiClient,
    host: str,
    paths: AgentPaths,
    values: Mapping[str, Sequence[str]],
    now: datetime.datetime | None = None,
) -> CertificateCheck:
    """Renew the host's certificate when it must be (values: the host entity's, from the
    mirror), and clear cert_cmd once done."""
    now = now or datetime.datetime.now(datetime.UTC)
    command = next((c.strip() for c in values.get(CERT_CMD, ()) if c.strip()), "")
    identity = host_identity(host, values)
    check = CertificateCheck()
    if not identity.names and not identity.addresses:
        return check  # no domain and no address: nothing a certificate could name
    check.reason = renewal_reason(paths.root, identity, command, now)
    if check.reason is None:
        return check
    key_pem, csr = certificate_request(identity)
    try:
        answer = client.post(
            f"agents/{host}/certificate/", {"csr": csr, "revoke_previous": command in REVOKE}
        )
    except (ApiUnavailable, ApiError) as exc:
        # The installed pair stays; the next sanity pass asks again.
        check.errors.append(f"certificate not renewed ({check.reason}): {exc}")
        return check
    install(paths, key_pem, answer["certificate"])
    check.serial = answer["serial"]
    check.scripts = reload_services(paths)
    if command:
        try:
            client.post(f"agents/{host}/variables/", {"values": {CERT_CMD: []}})
        except (ApiUnavailable, ApiError) as exc:
            check.errors.append(f"cert_cmd not cleared: {exc}")
    return check
