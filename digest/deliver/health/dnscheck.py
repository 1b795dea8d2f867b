"""SPF, DKIM and DMARC of the sending domain, checked against what digest sends.

Answers come from the resolver the admin names (DIGEST_DNS_RESOLVER=host:port), never
from whatever the machine happens to use. SPF is evaluated for the relay's address by
pyspf (RFC 7208: CIDR suffixes, exists, macros, include, redirect, the 10-lookup limit),
through that resolver; DKIM compares the published key with the one digest signs with;
DMARC needs a record and one aligned identity. Organisational domains come from the
public suffix list bundled with publicsuffixlist (example.co.uk, not co.uk).
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import dns.exception
import dns.resolver
from publicsuffixlist import PublicSuffixList

from digest.deliver.health.spfcheck import evaluate
from digest.settings import DkimSettings

PASS, WARN, FAIL = "pass", "warn", "fail"

# What each RFC 7208 result means for the relay's address, as the page says it.
SPF_RESULTS = {
    "pass": (PASS, "the relay's address {address} is allowed"),
    "fail": (FAIL, "the relay's address {address} is not allowed by the record (SPF fail)"),
    "softfail": (
        FAIL,
        "the relay's address {address} is not allowed by the record "
        "(SPF softfail: receivers treat the mail as suspect)",
    ),
    "neutral": (
        FAIL,
        "the record neither allows nor denies the relay's address {address} (SPF neutral)",
    ),
    "none": (FAIL, "no SPF record applies to the relay's address {address} (SPF none)"),
    "permerror": (
        FAIL,
        "the record is broken for the relay's address {address} (SPF permerror: {reason})",
    ),
    "temperror": (
        FAIL,
        "the record could not be evaluated for the relay's address {address} "
        "(SPF temperror: {reason})",
    ),
}
UNKNOWN_RESULT = "the relay's address {address} got SPF {result}: {reason}"


@dataclass(frozen=True)
class Identity:
    """What digest sends as: the From domain, the return path domain, the relay, DKIM."""

    from_domain: str
    return_domain: str
    relay_host: str
    dkim: DkimSettings | None = None


@dataclass
class Check:
    name: str
    status: str = PASS
    record: str | None = None
    findings: list[str] = field(default_factory=list)

    def note(self, status: str, text: str) -> None:
        order = (PASS, WARN, FAIL)
        if order.index(status) > order.index(self.status):
            self.status = status
        self.findings.append(text)


class Lookup:
    """TXT, A, AAAA and MX answers from one resolver; a missing name is an empty answer."""

    def __init__(self, resolver: str, timeout: float = 3.0) -> None:
        host, _, port = resolver.rpartition(":")
        self.resolver = dns.resolver.Resolver(configure=False)
        self.resolver.nameservers = [host.strip("[]") or resolver]
        self.resolver.port = int(port) if port.isdigit() else 53
        self.resolver.lifetime = timeout

    def records(self, name: str, kind: str) -> list[str]:
        try:
            answer = self.resolver.resolve(name, kind)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        if kind == "TXT":
            return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]
        if kind == "MX":
            return [r.exchange.to_text().rstrip(".") for r in answer]
        return [r.to_text() for r in answer]

    def txt_starting(self, name: str, prefix: str) -> list[str]:
        return [r for r in self.records(name, "TXT") if r.lower().startswith(prefix.lower())]


def check_all(identity: Identity, resolver: str) -> list[Check]:
    """The three checks; a resolver that does not answer is reported, not raised."""
    lookup = Lookup(resolver)
    checks = []
    for name, run in (("SPF", check_spf), ("DKIM", check_dkim), ("DMARC", check_dmarc)):
        try:
            checks.append(run(identity, lookup))
        except dns.exception.DNSException as exc:
            failed = Check(name)
            failed.note(FAIL, f"the resolver {resolver} gave no answer: {exc}")
            checks.append(failed)
    return checks


def check_spf(identity: Identity, lookup: Lookup) -> Check:
    check = Check("SPF")
    found = lookup.txt_starting(identity.return_domain, "v=spf1")
    if not found:
        check.note(FAIL, f"no SPF record on {identity.return_domain} (the return path domain)")
        return check
    if len(found) > 1:
        check.note(FAIL, f"{len(found)} SPF records on {identity.return_domain}: receivers reject")
    check.record = found[0]
    _check_ending(check, found[0])
    _check_relay(check, identity, lookup)
    return check


def _check_ending(check: Check, record: str) -> None:
    terms = record.lower().split()[1:]
    ending = next((t for t in terms if t.lstrip("+-~?") == "all"), None)
    if ending in ("all", "+all"):
        check.note(FAIL, "'+all' lets anyone send as this domain")
    elif ending == "?all" or (ending is None and not any("redirect=" in t for t in terms)):
        check.note(WARN, "the record does not end in -all or ~all")


def _check_relay(check: Check, identity: Identity, lookup: Lookup) -> None:
    addresses = _addresses(identity.relay_host, lookup)
    public = [a for a in addresses if a.is_global]
    if not public:
        check.note(
            WARN,
            f"the relay {identity.relay_host} has no public address here; "
            "check that the record covers the address it sends from",
        )
        return
    for address in public:
        result, reason = evaluate(
            str(address), identity.return_domain, identity.relay_host, lookup.resolver
        )
        status, text = SPF_RESULTS.get(result, (FAIL, UNKNOWN_RESULT))
        check.note(status, text.format(address=address, result=result, reason=reason))


def _addresses(host: str, lookup: Lookup) -> list:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found = lookup.records(host, "A") + lookup.records(host, "AAAA")
    return [ipaddress.ip_address(a) for a in found]


def check_dkim(identity: Identity, lookup: Lookup) -> Check:
    check = Check("DKIM")
    if identity.dkim is None:
        check.note(WARN, "messages are not signed: set DIGEST_DKIM_KEY_FILE")
        return check
    domain = identity.dkim.domain or identity.from_domain
    name = f"{identity.dkim.selector}._domainkey.{domain}"
    found = lookup.txt_starting(name, "v=DKIM1") or [
        r for r in lookup.records(name, "TXT") if "p=" in r
    ]
    if not found:
        check.note(FAIL, f"no DKIM key published at {name}")
        return check
    check.record = found[0]
    tags = _tags(found[0])
    if not tags.get("p"):
        check.note(FAIL, f"the key at {name} is revoked (empty p=)")
        return check
    check.note(*_compare_keys(tags["p"], identity.dkim.key_file, name))
    if not aligned(domain, identity.from_domain, "r"):
        check.note(WARN, f"d={domain} does not align with the From domain {identity.from_domain}")
    return check


def _compare_keys(published: str, key_file: str, name: str) -> tuple[str, str]:
    import dkim.crypto  # dkimpy: present whenever DKIM signing is configured

    try:
        ours = dkim.crypto.parse_pem_private_key(Path(key_file).read_bytes())
        theirs = dkim.crypto.parse_public_key(base64.b64decode(published))
    except (OSError, ValueError, dkim.crypto.UnparsableKeyError) as exc:
        return WARN, f"cannot compare the key at {name} with ours: {exc}"
    if ours["modulus"] == theirs["modulus"]:
        return PASS, f"the key at {name} matches the key digest signs with"
    return FAIL, f"the key at {name} is not the one digest signs with"


def check_dmarc(identity: Identity, lookup: Lookup) -> Check:
    check = Check("DMARC")
    domain = identity.from_domain
    found = lookup.txt_starting(f"_dmarc.{domain}", "v=DMARC1")
    if not found and org_domain(domain) != domain:
        found = lookup.txt_starting(f"_dmarc.{org_domain(domain)}", "v=DMARC1")
    if not found:
        check.note(FAIL, f"no DMARC record for {domain}: Gmail and Yahoo require one")
        return check
    check.record = found[0]
    tags = _tags(found[0])
    policy = tags.get("p", "")
    if policy not in ("none", "quarantine", "reject"):
        check.note(FAIL, f"the policy p={policy or '(missing)'} is not valid")
    elif policy == "none":
        check.note(PASS, "policy p=none: reports only (enough for Gmail and Yahoo)")
    dkim_domain = (identity.dkim.domain or domain) if identity.dkim else None
    spf_ok = aligned(identity.return_domain, domain, tags.get("aspf", "r"))
    dkim_ok = dkim_domain is not None and aligned(dkim_domain, domain, tags.get("adkim", "r"))
    if not (spf_ok or dkim_ok):
        check.note(FAIL, "neither the return path nor a DKIM signature aligns with From")
    else:
        which = " and ".join(n for n, ok in (("SPF", spf_ok), ("DKIM", dkim_ok)) if ok)
        check.findings.append(f"{which} aligned with {domain}")
    return check


def _tags(record: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in record.split(";"))
    return {k.strip().lower(): v.strip().replace(" ", "") for k, _, v in pairs if k.strip()}


def org_domain(domain: str) -> str:
    """The registrable domain under the public suffix (news.example.co.uk -> example.co.uk)."""
    name = domain.lower().rstrip(".")
    return _suffix_list().privatesuffix(name) or name


@cache
def _suffix_list() -> PublicSuffixList:
    return PublicSuffixList()  # the list bundled with the package: nothing is downloaded


def aligned(domain: str, from_domain: str, mode: str) -> bool:
    if mode == "s":
        return domain.lower() == from_domain.lower()
    return org_domain(domain) == org_domain(from_domain)
