"""From template bytes to a compiled template: parse once, compile with the language's
element table, and keep the result by content hash."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from lxml import etree

from . import context
from .compiler import Compiler, ValueFn
from .context import Render, error
from .elements import ELEMENTS
from .errors import TemplateError
from .sources import ConfigSource, host_type

# A template's bytes: compiling takes about 3 s of CPU per MiB of dense elements.
MAX_TEMPLATE = 1024 * 1024
CACHE_SIZE = 512
# The compiled templates kept hold about 25 times their text's size when dense: the cache is
# bounded by the text it holds too, well above a campus's templates (a few KiB each).
CACHE_BYTES = 4 * MAX_TEMPLATE


class CompiledTemplate:
    """A template ready to render for any host from any configuration source."""

    def __init__(self, body: ValueFn, spelled: frozenset[str]):
        self._body = body
        self._spelled = spelled

    def render(
        self,
        source: ConfigSource,
        host: str,
        entity_type: str | None = None,
        filename: str | None = None,
    ) -> str:
        """The file this template produces for host; TemplateError and no output on error."""
        render = Render(source, host, entity_type or host_type(source, host), self._spelled)
        try:
            parts = self._body(render)
        except TemplateError as exc:
            exc.filename = exc.filename or filename
            raise
        if sum(map(len, parts)) > context.MAX_OUTPUT:
            raise TemplateError(
                f"output larger than {context.MAX_OUTPUT} characters", filename=filename
            )
        return "".join(parts)


# sha256 of the text -> (the text's size, the compiled template), least recently used first;
# changed under the lock, as a web worker's threads share it.
_cache: OrderedDict[bytes, tuple[int, CompiledTemplate]] = OrderedDict()
_cached_bytes = 0
_lock = threading.Lock()


def compile_template(text: bytes | str, filename: str | None = None) -> CompiledTemplate:
    """Compile template text, or return the compiled template of the same content."""
    global _cached_bytes
    data = text.encode() if isinstance(text, str) else text
    if len(data) > MAX_TEMPLATE:
        raise TemplateError(f"template larger than {MAX_TEMPLATE} bytes", filename=filename)
    key = hashlib.sha256(data).digest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key][1]
    try:
        compiled = compile_root(parse(data))
    except TemplateError as exc:
        exc.filename = filename
        raise
    with _lock:
        if key not in _cache:
            _cache[key] = (len(data), compiled)
            _cached_bytes += len(data)
        while len(_cache) > CACHE_SIZE or _cached_bytes > CACHE_BYTES:
            _cached_bytes -= _cache.popitem(last=False)[1][0]
    return compiled


def parse(data: bytes) -> etree._Element:
    # No DTD, no entity expansion, no network: a template can only be read, never read others.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"malformed XML: {exc.msg}", line=exc.lineno) from None
    root = tree.getroot()
    if tree.docinfo.doctype:
        raise TemplateError("a DOCTYPE is not allowed", line=1)
    if root.tag != "Template":
        raise error("a template must start with <Template>", (str(root.tag), root.sourceline))
    return root


def compile_root(root: etree._Element) -> CompiledTemplate:
    if root.text and root.text.startswith("\n"):
        root.text = root.text[1:]
    compiler = Compiler(ELEMENTS)
    body = compiler.value(root)
    return CompiledTemplate(body, frozenset(compiler.spelled))
