"""File hashes as the fileMgr FileTable stores them: SHA-256 of the bytes, base64."""

import base64

NO_HASH = "none"


def file_hash(data: bytes) -> str:
    # Imported here: hashlib loads OpenSSL, and most readers of NO_HASH (host programs such
    # as lnrsync, through filemgr.resolution) hash nothing.
    import hashlib

    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
