"""RFC 7208 evaluation of a sending address by pyspf, through the resolver the admin named.

pyspf asks DNS through one module-level function (spf.DNSLookup) and has no per-query hook.
`_install_dispatch` replaces it once per process with a function that asks the resolver of
the evaluation running in the current context (a ContextVar, so no thread sees another's
resolver) and pyspf's own lookup when no evaluation of ours is running. Loads pyspf and
dnspython: imported only by the sender-health page.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

import dns.exception
import dns.resolver
import spf

_resolver: ContextVar[dns.resolver.Resolver | None] = ContextVar("spf_resolver", default=None)
_install_lock = threading.Lock()


def evaluate(
    address: str, domain: str, helo: str, resolver: dns.resolver.Resolver
) -> tuple[str, str]:
    """check_host() for a client at `address` sending mail from postmaster@`domain`: the
    result (pass, fail, softfail, neutral, none, permerror or temperror) and pyspf's reason."""
    _install_dispatch()
    query = spf.query(i=address, s=f"postmaster@{domain}", h=helo, strict=True)
    token = _resolver.set(resolver)
    try:
        result, _code, explanation = query.check()
    finally:
        _resolver.reset(token)
    return result, getattr(query, "prob", None) or explanation


def _install_dispatch() -> None:
    """Route pyspf's lookups to the current evaluation's resolver (once; see the docstring)."""
    with _install_lock:
        if getattr(spf.DNSLookup, "is_digest_dispatch", False):
            return
        fallback = spf.DNSLookup

        def dispatch(name: str, qtype: str, strict: bool = True, timeout: float = 30) -> list:
            resolver = _resolver.get()
            if resolver is None:
                return fallback(name, qtype, strict, timeout)
            return _answers(resolver, name, qtype, timeout)

        dispatch.is_digest_dispatch = True
        spf.DNSLookup = dispatch


def _answers(resolver: dns.resolver.Resolver, name: str, qtype: str, timeout: float) -> list:
    """One answer in the shape pyspf's lookups return: [((name, type), value), ...]."""
    try:
        answer = resolver.resolve(name, qtype, lifetime=min(timeout, resolver.lifetime))
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:
        raise spf.TempError(f"DNS {exc}") from exc
    return [((name, qtype), _value(rdata, qtype)) for rdata in answer]


def _value(rdata, qtype: str):
    if qtype in ("A", "AAAA"):
        return rdata.address
    if qtype == "MX":
        return rdata.preference, rdata.exchange
    if qtype == "PTR":
        return rdata.target.to_text(True)
    return rdata.strings  # TXT and SPF: the record's strings, as bytes
