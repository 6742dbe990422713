"""File hashes as the fileMgr FileTable stores them: SHA-256 of the bytes, base64."""

import base64
import hashlib

NO_HASH = "none"


def file_hash(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
