"""Whether a reply really comes from its sender's domain: the verdict of the mail
server in front of the relay, read from its ``Authentication-Results`` headers.

The relay does not check SPF, DKIM or DMARC itself. The operator's mail server does
(Postfix with OpenDKIM and OpenDMARC, rspamd…) and writes what it found in an
``Authentication-Results`` header (RFC 8601) named by its *authserv-id*. Only headers
with the trusted id are read: anyone can write such a header into the mail they send,
under any other name. Among the trusted ones a failure always wins over a pass, so a
forged "pass" added under the trusted id cannot hide the server's own "fail" (the
server must also remove headers claiming its id from incoming mail, as RFC 8601
section 5 requires).

A reply passes when DMARC passes; when there is no DMARC result (the domain publishes
no policy, or the server gave none), when SPF passes or a DKIM signature of the
``From`` domain passes. Everything else, a mail without any trusted header included,
is held.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[^\s;=]+)\s*')
_METHOD = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*(?:/\s*\d+\s*)?=\s*([A-Za-z0-9_-]+)")
_PROPERTY = re.compile(r'([A-Za-z0-9_-]+)\.([A-Za-z0-9_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+)')


@dataclass(frozen=True)
class Result:
    """One ``method=result`` of a header, with its properties (``header.d``…)."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """Whether the reply may be posted, and why (a short reason for the logs)."""

    passed: bool
    reason: str


def parse(value: str) -> tuple[str, list[Result]] | None:
    """The authserv-id and results of one header value, None when unreadable."""
    text = _without_comments(value)
    parts = _split(text, ";")
    head = _TOKEN.match(parts[0]) if parts else None
    if head is None or not head.group(1):
        return None
    authserv_id = head.group(1).strip('"').lower()
    results = []
    for part in parts[1:]:
        method = _METHOD.match(part)
        if method is None:
            continue  # "none", or a method we cannot read
        properties = {
            f"{ptype.lower()}.{name.lower()}": raw.strip('"').lower()
            for ptype, name, raw in _PROPERTY.findall(part[method.end() :])
        }
        results.append(Result(method.group(1).lower(), method.group(2).lower(), properties))
    return authserv_id, results


def trusted_results(headers: Iterable[str], trusted_id: str) -> list[Result]:
    """The results of every header written by the trusted server; others are ignored."""
    wanted = trusted_id.strip().lower()
    found: list[Result] = []
    for value in headers:
        parsed = parse(value)
        if parsed is not None and parsed[0] == wanted:
            found.extend(parsed[1])
    return found


def verdict(headers: Iterable[str], trusted_id: str, from_domain: str) -> Verdict:
    """Pass or hold a reply whose ``From`` is at ``from_domain``."""
    results = trusted_results(headers, trusted_id)
    if not results:
        return Verdict(False, "no authentication result from the trusted server")
    dmarc = _outcomes(results, "dmarc")
    if "fail" in dmarc:
        return Verdict(False, "dmarc=fail")
    if "pass" in dmarc:
        return Verdict(True, "dmarc=pass")
    spf = _outcomes(results, "spf")
    if "pass" in spf and "fail" not in spf:
        return Verdict(True, "spf=pass")
    dkim = [
        r for r in results if r.method == "dkim" and _aligned(r.properties, from_domain.lower())
    ]
    if any(r.result == "pass" for r in dkim) and not any(r.result == "fail" for r in dkim):
        return Verdict(True, "dkim=pass")
    return Verdict(False, "neither spf nor dkim pass, and no dmarc result")


def _outcomes(results: Sequence[Result], method: str) -> set[str]:
    return {r.result for r in results if r.method == method}


def _aligned(properties: dict[str, str], from_domain: str) -> bool:
    # Relaxed alignment (RFC 7489): the signing domain is the From domain, or one is a
    # subdomain of the other. A result that names no domain is taken as the server's.
    signer = properties.get("header.d") or properties.get("header.i", "").rpartition("@")[2]
    if not signer:
        return True
    return (
        signer == from_domain
        or from_domain.endswith(f".{signer}")
        or signer.endswith(f".{from_domain}")
    )


def _without_comments(value: str) -> str:
    """``value`` with its (possibly nested) comments removed, quoted strings kept."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            out.append(char)
            quoted = char != '"'
        elif char == '"' and depth == 0:
            quoted = True
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
    return " ".join("".join(out).split())


def _split(text: str, separator: str) -> list[str]:
    """``text`` split on ``separator`` outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts
