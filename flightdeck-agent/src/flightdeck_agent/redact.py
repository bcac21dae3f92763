"""Redaction of the pod's secret values, agent-side, before anything leaves the process.

Flightdeck redacts again on ingestion, but only patterns it knows; the agent knows the exact
values (the files under SECRETS_DIR; and, from the environment, NATS_URL's user, password or
token, the NATS_CREDS_FILE's JWT and seed, the value of any variable whose name says key, token,
secret, password or credential), so it replaces them itself: in trace records, stdout, stderr
and tool output. One compiled alternation, longest value first, so a secret that
contains another is replaced whole.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

REDACTED = "[redacted]"
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')
_LABEL_NAME = re.compile(r"[^A-Za-z0-9._-]")
#: A variable whose name holds one of these holds a secret (the tools' environment drops it too).
SENSITIVE_NAME_PARTS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
#: ... unless it names a file or directory (OPENAI_API_KEY_FILE, SECRETS_DIR): a path is no secret.
_POINTER_SUFFIXES = ("_FILE", "_PATH", "_DIR")
_MAX_CREDS_BYTES = 1024 * 1024


class SecretScrubber:
    """Replaces every exact secret value (and its whitespace-stripped form) in text.

    `secrets` is either an iterable of values (replaced by "[redacted]") or a mapping
    name → value, as `PodContext.secrets` (replaced by "[redacted:<name>]"). Values shorter than
    `min_length` are not replaced (they would hit ordinary words); that is said once on stderr,
    naming the secret, never its value.
    """

    def __init__(self, secrets: Iterable[str] | Mapping[str, str], min_length: int = 6,
                 *, stderr: TextIO | None = None) -> None:
        named: list[tuple[str | None, str]]
        if isinstance(secrets, Mapping):
            named = [(str(name), str(value)) for name, value in secrets.items()]
        else:
            named = [(None, str(value)) for value in secrets]
        labels: dict[str, str] = {}
        too_short: list[str] = []
        for name, value in named:
            forms = {value, value.strip()}
            if not any(len(form) >= min_length for form in forms):
                if value.strip():
                    too_short.append(name or "a secret")
                continue
            for form in forms:
                if len(form) >= min_length:
                    labels.setdefault(form, f"[redacted:{_LABEL_NAME.sub('_', name)}]" if name else REDACTED)
        self._labels = labels
        # Whether every value reads the same inside a JSON string (no quote, backslash or control
        # character): then a serialized record without a match holds no secret (a fast check).
        self.json_safe = not any(_JSON_ESCAPED.search(value) for value in labels)
        self.max_length = max((len(value) for value in labels), default=0)
        self.max_bytes = max((len(value.encode("utf-8", "surrogatepass")) for value in labels), default=0)
        if labels:
            ordered = sorted(labels, key=len, reverse=True)
            self._pattern: re.Pattern[str] | None = re.compile("|".join(re.escape(value) for value in ordered))
        else:
            self._pattern = None
        if too_short:
            out = stderr if stderr is not None else sys.stderr
            try:
                out.write(f"flightdeck-agent: {len(too_short)} secret(s) shorter than {min_length} characters "
                          f"are not redacted: {', '.join(sorted(too_short))} (SECRETS_DIR)\n")
            except (OSError, ValueError):
                pass

    @classmethod
    def from_context(cls, ctx: Any, *, stderr: TextIO | None = None, min_length: int = 6) -> SecretScrubber:
        """The scrubber for a PodContext: its secret files, and the secrets its environment holds
        (`environment_secrets`)."""
        named = dict(ctx.secrets)
        found = environment_secrets(getattr(ctx, "environ", {}) or {}, nats_url=getattr(ctx, "nats_url", None),
                                    nats_creds=getattr(ctx, "nats_creds", None), min_length=min_length)
        for name, value in found:
            label, n = name, 1
            while label in named:
                n += 1
                label = f"{name}.{n}"
            named[label] = value
        return cls(named, min_length, stderr=stderr)

    @property
    def active(self) -> bool:
        """Whether there is anything to redact."""
        return self._pattern is not None

    def _replace(self, match: re.Match[str]) -> str:
        return self._labels[match.group(0)]

    def contains(self, text: str) -> bool:
        """Whether `text` holds a secret value."""
        return self._pattern is not None and self._pattern.search(text) is not None

    def scrub(self, text: str) -> str:
        """`text` with every secret value replaced."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(self._replace, text)

    def scrub_json(self, value: Any) -> Any:
        """`value` (JSON-like) with secrets replaced in every string and dict key, recursively."""
        if self._pattern is None:
            return value
        return self._json(value, 0)

    def _json(self, value: Any, depth: int) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if depth > 64:
            # Deeper than any sane record: flattened to text so nothing escapes unscrubbed.
            return self.scrub(repr(value))
        if isinstance(value, Mapping):
            return {self.scrub(str(key)): self._json(item, depth + 1) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._json(item, depth + 1) for item in value]
        if value is None or isinstance(value, (bool, int, float)):
            return value
        # Anything else is serialized with str() later: scrub that text now.
        return self.scrub(str(value))

    def scrub_head(self, text: str, keep: int) -> str:
        """The scrubbed start of `text`, about `keep` characters long.

        `text` holds more than `keep` characters (at least the longest secret more), so a secret that
        starts before the cut is seen whole and replaced rather than cut in half: the result is
        extended to the end of its replacement.
        """
        return self.scrub_window(text, 0, keep)

    def scrub_tail(self, text: str, keep: int) -> str:
        """The scrubbed end of `text`, about `keep` characters long (the mirror of `scrub_head`)."""
        return self.scrub_window(text, max(0, len(text) - keep), len(text))

    def scrub_window(self, text: str, start: int, end: int) -> str:
        """The scrubbed `text[start:end]`; a secret that straddles either cut is replaced whole
        (so the result may begin before `start` or end after `end` with its replacement). `text`
        should hold the longest secret's length more on each side of the window."""
        if self._pattern is None:
            return text[start:end]
        parts: list[str] = []
        position = start
        for match in self._pattern.finditer(text):
            if match.end() <= start:
                continue
            if match.start() >= end:
                break
            begin = match.start()
            if begin < position:
                position = begin  # a secret straddling the start: replaced whole
            parts.append(text[position:begin])
            parts.append(self._labels[match.group(0)])
            position = match.end()
        if position < end:
            parts.append(text[position:end])
        return "".join(parts)


def environment_secrets(environ: Mapping[str, str], *, nats_url: str | None = None,
                        nats_creds: Path | str | None = None, min_length: int = 6) -> list[tuple[str, str]]:
    """(name, value) of the secrets the environment holds, each at least `min_length` long: the
    value of every variable whose name says key, token, secret, password or credential (not one
    that names a file: *_FILE, *_PATH, *_DIR); NATS_URL's user, password or token; the lines of
    the NATS_CREDS_FILE that are credentials (the JWT, the NKEY seed)."""
    found: list[tuple[str, str]] = []

    def add(name: str, value: str | None) -> None:
        value = (value or "").strip()
        if len(value) >= min_length and (name, value) not in found:
            found.append((name, value))

    for name, value in environ.items():
        upper = str(name).upper()
        if any(part in upper for part in SENSITIVE_NAME_PARTS) and not upper.endswith(_POINTER_SUFFIXES):
            add(str(name), str(value))
    for server in (nats_url or "").split(","):
        try:
            parts = urlsplit(server.strip())
            user, password = parts.username, parts.password
        except ValueError:
            continue
        add("NATS_URL", unquote(user) if user else None)
        add("NATS_URL", unquote(password) if password else None)
    if nats_creds:
        try:
            with open(nats_creds, "rb") as handle:
                text = handle.read(_MAX_CREDS_BYTES).decode("utf-8", "replace")
        except OSError:
            text = ""
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith(("-", "*")) and not any(ch.isspace() for ch in line):
                add("NATS_CREDS_FILE", line)
    return found
