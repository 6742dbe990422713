"""The only writers of host certificates (guide 2.7): making the CA, signing a host's CSR for
the names and addresses the host owns in the configuration, revoking, and publishing the CA
certificate and its revocation list as managed files every host installs."""

from __future__ import annotations

import datetime
import os
import shutil
import time
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.files import write_atomic
from core.permissions import MANAGE_CERTIFICATES, require
from entities.models import Entity, EntityType
from entities.services import do_create_entity, username
from filemgr.resolution import FILE_TYPE
from filemgr.services import do_commit_instance
from filemgr.templating.errors import UnknownHost
from filemgr.templating.sources.base import host_type
from filemgr.templating.sources.database import DatabaseSource

from .ca import CAError, CertificateAuthority, certificate_pem, read_csr
from .host.certs import CA_FILE_ENTITY, CERT_PATH, KEY_PATH, certificate_request
from .host.identity import Identity, host_identity
from .models import HostCertificate

# The managed files every host gets: the CA to trust, and the certificates it no longer trusts.
CA_FILE = (CA_FILE_ENTITY, "/etc/ssl/labnet/ca.pem")
CRL_FILE = ("labnet_crl", "/etc/ssl/labnet/crl.pem")
CRL_REPUBLISH = datetime.timedelta(days=7)  # before the CRL's 30 days run out


def ca_directory() -> Path:
    """The setting or environment variable LABNET_CA_DIR, else var/ca: the only place the
    CA's key is kept."""
    given = getattr(settings, "LABNET_CA_DIR", None) or os.environ.get("LABNET_CA_DIR")
    return Path(given or settings.VAR_DIR / "ca")


def certificate_authority() -> CertificateAuthority:
    try:
        return CertificateAuthority(ca_directory())
    except CAError:
        # Said to hosts too: the CA's directory is not theirs to know.
        raise ValidationError(
            "the web server has no Labnet CA: run manage.py labnetca init"
        ) from None


def do_init_ca(name: str = "Labnet CA", *, user: object = None) -> CertificateAuthority:
    """Make the CA, and ship its certificate and an empty revocation list to every host."""
    try:
        ca = CertificateAuthority.create(ca_directory(), name)
    except CAError as exc:
        raise ValidationError(str(exc)) from None
    try:
        with transaction.atomic():
            _ship(CA_FILE, ca.pem, "The Labnet CA's certificate", user)
            do_publish_crl(user=user)
    except BaseException:
        shutil.rmtree(ca.directory)  # nothing half made: init may be run again
        raise
    return ca


def configured_identity(host: str) -> Identity:
    """The names and addresses host owns in the database's configuration."""
    source = DatabaseSource()
    try:
        values = source.entity_values(host_type(source, host), host)
    except UnknownHost:
        raise ValidationError(f"no host named {host!r} in the configuration") from None
    return host_identity(host, values or {})


def do_issue_certificate(host: str, csr_pem: str, *, revoke_previous: bool = False):
    """Sign host's CSR when every name and address it asks for is the host's own in the
    configuration; with revoke_previous, the host's certificates still valid are revoked
    first (its key may be compromised)."""
    identity = configured_identity(host)
    try:
        requested = read_csr(csr_pem)
    except CAError as exc:
        raise ValidationError({"csr": [str(exc)]}) from None
    errors = [
        f"{host} does not own the name {n}" for n in requested.names if n not in identity.names
    ]
    errors += [
        f"{host} does not own the address {a}"
        for a in requested.addresses
        if a not in identity.addresses
    ]
    if errors:
        raise ValidationError({"csr": errors})
    ca = certificate_authority()
    certificate = ca.sign(requested, identity.fqdn or host)
    with transaction.atomic():
        if revoke_previous:
            current = HostCertificate.objects.filter(host=host, revoked__isnull=True)
            if current.update(revoked=timezone.now(), revoked_by=f"{host}@agent"):
                do_publish_crl(user=f"{host}@agent")
        return HostCertificate.objects.create(
            host=host,
            serial=f"{certificate.serial_number:x}",
            subject=identity.fqdn or host,
            names=list(requested.names),
            addresses=list(requested.addresses),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            pem=certificate_pem(certificate),
        )


def do_issue_web_server_certificate(host: str, directory: Path) -> HostCertificate:
    """The web server's own TLS certificate, for its host entity host, made on the web
    server itself (where the CA is): a new key and CSR as its agent would make them, signed
    like any host's, installed as directory/host.key and host.pem, the files that host's
    agent keeps renewed from then on. The agents' https channel trusts it (docs/identity.md)."""
    key_pem, csr = certificate_request(configured_identity(host))
    issued = do_issue_certificate(host, csr)
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(directory / Path(KEY_PATH).name, key_pem, mode=0o600)  # key first
    write_atomic(directory / Path(CERT_PATH).name, issued.pem.encode(), mode=0o644)
    return issued


def do_revoke_certificate(certificate: HostCertificate, *, user: object) -> None:
    """Revoke one certificate and ship the new revocation list; refused when it already is."""
    require(user, MANAGE_CERTIFICATES)
    with transaction.atomic():
        locked = HostCertificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked:
            raise ValidationError(f"The certificate {locked} is already revoked.")
        locked.revoked = timezone.now()
        locked.revoked_by = username(user) or "labnet"
        locked.save(update_fields=["revoked", "revoked_by"])
        do_publish_crl(user=user)
    certificate.refresh_from_db()


def do_publish_crl(*, user: object = None) -> str:
    """Sign a new revocation list of every revoked certificate and ship it; returns it."""
    revoked = HostCertificate.objects.filter(revoked__isnull=False).values_list("serial", "revoked")
    # Seconds since the epoch: a CRL number that grows with every list, whoever signs it.
    crl = certificate_authority().crl(((int(s, 16), w) for s, w in revoked), int(time.time()))
    _ship(CRL_FILE, crl, "The Labnet CA's revocation list", user)
    return crl


def republish_crl_if_due() -> bool:
    """Publish a fresh list when the shipped one is within CRL_REPUBLISH of its end."""
    try:
        current = x509.load_pem_x509_crl((ca_directory() / "crl.pem").read_bytes())
    except (FileNotFoundError, ValueError):
        current = None
    if current is not None and current.next_update_utc - timezone.now() > CRL_REPUBLISH:
        return False
    do_publish_crl()
    return True


def _ship(file: tuple[str, str], content: str, description: str, user: object) -> None:
    """Commit content as the default instance of a managed file, which every host gets; it
    is also kept beside the CA for republish_crl_if_due."""
    name, path = file
    write_atomic(ca_directory() / Path(path).name, content.encode())
    file_type = EntityType.objects.filter(name=FILE_TYPE).first()
    if file_type is None:
        return  # a database without managed files: the API still hands the CA out
    entity = Entity.objects.filter(entity_type=file_type, name=name).first()
    if entity is None:
        values = {"path": [path], "owner": ["root"], "group": ["root"], "mode": ["0644"]}
        entity = do_create_entity(file_type, name, values, user=user)
    committer = username(user) or "labnetca"
    try:
        do_commit_instance(
            entity,
            "default",
            content.encode(),
            template=False,
            message=description,
            user=committer,
        )
    except ValidationError as exc:
        if "already the instance's content" not in str(exc):
            raise
