"""Host identity figures, each beside a baseline measured in the same run:

1. The Labnet CA issuing certificates for 1,000 hosts (CSR parsed and checked, names checked
   against the host's identity, certificate signed), against `openssl x509 -req` signing
   the same CSRs with the same CA key, one process per certificate as a shell script would.
2. The authdns zones of gendata's 17,000-entity campus built from an in-memory snapshot,
   against the time `named-checkzone` takes to read the zone files written.

Run: .venv/bin/python bench/bench_identity.py"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from entities import gendata  # noqa: E402
from filemgr.templating import SnapshotSource  # noqa: E402
from workers.ca import CertificateAuthority, read_csr  # noqa: E402
from workers.host.certs import certificate_request  # noqa: E402
from workers.host.dns import build_zones, zone_text  # noqa: E402
from workers.host.identity import Identity  # noqa: E402

HOSTS = 1000
OPENSSL_SAMPLE = 100  # openssl's rate from 100 processes, to keep the run short


def certificates(work: Path) -> None:
    ca = CertificateAuthority.create(work / "ca")
    identities = [
        Identity(f"host{n}", f"host{n}.cs.example.edu", (), (f"10.{n // 250}.{n % 250}.1",))
        for n in range(HOSTS)
    ]
    csrs = [certificate_request(i)[1] for i in identities]
    started = time.perf_counter()
    for identity, csr in zip(identities, csrs, strict=True):
        requested = read_csr(csr)
        assert set(requested.names) <= identity.names
        assert set(requested.addresses) <= set(identity.addresses)
        ca.sign(requested, identity.fqdn)
    ours = time.perf_counter() - started

    ext = work / "ext.cnf"
    ext.write_text(
        "basicConstraints=critical,CA:false\nextendedKeyUsage=serverAuth,clientAuth\n"
        "subjectAltName=DNS:host0.cs.example.edu\n"
    )
    for n, csr in enumerate(csrs[:OPENSSL_SAMPLE]):
        (work / f"{n}.csr").write_text(csr)
    started = time.perf_counter()
    for n in range(OPENSSL_SAMPLE):
        subprocess.run(
            [
                "openssl", "x509", "-req", "-in", str(work / f"{n}.csr"),
                "-CA", str(work / "ca/ca.pem"), "-CAkey", str(work / "ca/ca.key"),
                "-set_serial", str(n + 1), "-days", "365", "-sha384",
                "-extfile", str(ext), "-out", str(work / f"{n}.pem"),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
    theirs = (time.perf_counter() - started) / OPENSSL_SAMPLE * HOSTS
    print(f"certificates for {HOSTS:,} hosts, CSR to certificate:")
    print(f"  Labnet CA (cryptography, in process)  {ours:6.2f} s  {HOSTS / ours:8.0f} /s")
    print(f"  openssl x509 -req, one per process     {theirs:6.2f} s  {HOSTS / theirs:8.0f} /s")


def zones(work: Path) -> None:
    source = SnapshotSource.from_items(gendata.campus())
    started = time.perf_counter()
    build = build_zones(source)
    texts = {
        name: zone_text(zone, build.nameservers, 2026010100) for name, zone in build.zones.items()
    }
    built = time.perf_counter() - started
    records = sum(len(z.records) for z in build.zones.values())
    for name, text in texts.items():
        (work / f"{name}.zone").write_text(text)
    checkzone = shutil.which("named-checkzone")
    print(f"zones of gendata's campus: {len(texts)} zones, {records:,} records, "
          f"{len(build.problems)} problems reported")  # fmt: skip
    print(f"  build from the snapshot (Labnet)       {built:6.2f} s")
    if checkzone is None:
        print("  named-checkzone: not installed (bind9-utils)")
        return
    started = time.perf_counter()
    for name in texts:
        subprocess.run(
            [checkzone, "-q", name, str(work / f"{name}.zone")], check=True, capture_output=True
        )
    print(f"  named-checkzone reading them           {time.perf_counter() - started:6.2f} s")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="labnet-bench-identity-") as work:
        certificates(Path(work))
        zones(Path(work))


if __name__ == "__main__":
    main()
