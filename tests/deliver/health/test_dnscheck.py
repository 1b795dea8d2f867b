"""SPF, DKIM and DMARC checked against what digest sends, through a real (small, local)
DNS server the checks are pointed at, as an admin points them at their resolver."""

from __future__ import annotations

import base64
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from digest.deliver.health.dnscheck import FAIL, PASS, WARN, Identity, Lookup, check_all
from digest.deliver.health.spfcheck import evaluate
from digest.settings import DkimSettings
from tests.support.dnsserver import DnsServer, txt
from tests.support.smtp import free_port

RELAY_IP = "93.184.216.34"


def make_key(folder, name: str) -> tuple[str, str]:
    """An RSA key file and the base64 public key a DKIM record publishes."""
    key = folder / f"{name}.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "1024"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return str(key), base64.b64encode(public).decode()


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dkim")
    return make_key(folder, "ours"), make_key(folder, "other")


def dkim_record(public: str) -> str:
    record = f"v=DKIM1; k=rsa; p={public}"
    return txt(*[record[i : i + 200] for i in range(0, len(record), 200)])


@pytest.fixture
def dns_server(keys):
    (key_file, public), _ = keys
    server = DnsServer(
        {
            ("digest.test", "TXT"): [txt("v=spf1 include:_spf.mailhost.example a -all")],
            ("_spf.mailhost.example", "TXT"): [txt("v=spf1 ip4:93.184.216.0/24 ~all")],
            ("digest.test", "A"): ["198.51.100.1"],
            ("relay.mailhost.example", "A"): [RELAY_IP],
            ("mail._domainkey.digest.test", "TXT"): [dkim_record(public)],
            ("_dmarc.digest.test", "TXT"): [
                txt("v=DMARC1; p=quarantine; rua=mailto:d@digest.test")
            ],
            ("bad.example", "TXT"): [txt("v=spf1 ip4:198.51.100.0/24 +all")],
            ("mail._domainkey.bad.example", "TXT"): [dkim_record(keys[1][1])],
            ("bounces.elsewhere.example", "TXT"): [txt("v=spf1 a:relay.mailhost.example -all")],
        }
    )
    yield server
    server.stop()


def by_name(checks) -> dict:
    return {c.name: c for c in checks}


def test_a_well_set_up_domain_passes_all_three(dns_server, keys):
    (key_file, _), _ = keys
    identity = Identity(
        "digest.test", "digest.test", "relay.mailhost.example", DkimSettings(key_file, "mail", None)
    )
    checks = by_name(check_all(identity, dns_server.address))
    assert {name: c.status for name, c in checks.items()} == {
        "SPF": PASS,
        "DKIM": PASS,
        "DMARC": PASS,
    }
    assert f"the relay's address {RELAY_IP} is allowed" in checks["SPF"].findings
    assert checks["DMARC"].findings == ["SPF and DKIM aligned with digest.test"]
    assert ("_spf.mailhost.example", "TXT") in dns_server.queries  # the include was followed


def test_a_wrong_key_a_relay_outside_spf_and_no_dmarc_all_fail(dns_server, keys):
    (key_file, _), _ = keys
    identity = Identity(
        "bad.example", "bad.example", RELAY_IP, DkimSettings(key_file, "mail", "bad.example")
    )
    checks = by_name(check_all(identity, dns_server.address))
    assert checks["SPF"].status == FAIL
    assert "'+all' lets anyone send as this domain" in checks["SPF"].findings
    assert checks["DKIM"].status == FAIL
    assert checks["DKIM"].findings == [
        "the key at mail._domainkey.bad.example is not the one digest signs with"
    ]
    assert checks["DMARC"].status == FAIL
    assert checks["DMARC"].findings[0].startswith("no DMARC record for bad.example")


def test_dmarc_fails_when_nothing_we_send_aligns(dns_server):
    identity = Identity("digest.test", "bounces.elsewhere.example", "relay.mailhost.example")
    checks = by_name(check_all(identity, dns_server.address))
    assert checks["SPF"].status == PASS  # the return path's own record covers the relay
    assert checks["DKIM"].status == WARN  # not signed
    assert checks["DMARC"].status == FAIL
    assert "neither the return path nor a DKIM signature aligns with From" in (
        checks["DMARC"].findings
    )


def test_a_resolver_that_does_not_answer_is_reported(keys):
    identity = Identity("digest.test", "digest.test", RELAY_IP)
    checks = check_all(identity, f"127.0.0.1:{free_port()}")
    spf, dkim, dmarc = checks
    assert (spf.status, dkim.status, dmarc.status) == (FAIL, WARN, FAIL)  # DKIM is not on
    assert "gave no answer" in spf.findings[0] and "gave no answer" in dmarc.findings[0]


# Each shape of record RFC 7208 allows, as (name, type) -> rdata, for the relay at RELAY_IP.
SPF_SHAPES = {
    ("cidr.example", "TXT"): [txt("v=spf1 ip4:93.184.216.0/24 -all")],
    ("badcidr.example", "TXT"): [txt("v=spf1 ip4:93.184.216.0/33 -all")],
    ("a24.example", "TXT"): [txt("v=spf1 a/24 -all")],
    ("a24.example", "A"): ["93.184.216.1"],
    ("mx24.example", "TXT"): [txt("v=spf1 mx/24 -all")],
    ("mx24.example", "MX"): ["10 mail.mx24.example."],
    ("mail.mx24.example", "A"): ["93.184.216.9"],
    ("ahost.example", "TXT"): [txt("v=spf1 a:hosts.example.org/24 -all")],
    ("hosts.example.org", "A"): ["93.184.216.200"],
    ("include.example", "TXT"): [txt("v=spf1 include:_spf.provider.example -all")],
    ("_spf.provider.example", "TXT"): [txt("v=spf1 ip4:93.184.216.0/24 -all")],
    ("badinclude.example", "TXT"): [
        txt("v=spf1 include:norecord.example ip4:93.184.216.0/24 -all")
    ],
    ("norecord.example", "A"): ["198.51.100.7"],
    ("redirect.example", "TXT"): [txt("v=spf1 redirect=_spf.closed.example ip4:93.184.216.0/24")],
    ("_spf.closed.example", "TXT"): [txt("v=spf1 -all")],
    ("redirected.example", "TXT"): [
        txt("v=spf1 ip4:198.51.100.0/24 redirect=_spf.provider.example")
    ],
    ("exists.example", "TXT"): [txt("v=spf1 exists:%{i}._spf.example.org -all")],
    (f"{RELAY_IP}._spf.example.org", "A"): ["127.0.0.2"],
    ("hardfail.example", "TXT"): [txt("v=spf1 ip4:198.51.100.0/24 -all")],
    ("softfail.example", "TXT"): [txt("v=spf1 ip4:198.51.100.0/24 ~all")],
    ("neutral.example", "TXT"): [txt("v=spf1 ip4:198.51.100.0/24 ?all")],
    # ten lookups (a:h0, then an include and an a per level down to l6) and twelve (from l1)
    ("ten.chain.example", "TXT"): [txt("v=spf1 a:h0.chain.example include:l2.chain.example -all")],
    ("eleven.chain.example", "TXT"): [
        txt("v=spf1 a:h0.chain.example include:l1.chain.example -all")
    ],
    **{
        (f"l{level}.chain.example", "TXT"): [
            txt(f"v=spf1 a:h{level}.chain.example include:l{level + 1}.chain.example -all")
        ]
        for level in range(1, 6)
    },
    ("l6.chain.example", "TXT"): [txt("v=spf1 ip4:93.184.216.0/24 -all")],
    **{(f"h{level}.chain.example", "A"): [f"198.51.100.{level + 1}"] for level in range(6)},
}

DMARC_RECORDS = {
    ("_dmarc.news.other.co.uk", "TXT"): [txt("v=DMARC1; p=reject")],
    ("bounce.example.co.uk", "TXT"): [txt("v=spf1 ip4:93.184.216.0/24 -all")],
    ("_dmarc.example.co.uk", "TXT"): [txt("v=DMARC1; p=quarantine")],
    ("bounce.news.example.co.uk", "TXT"): [txt("v=spf1 ip4:93.184.216.0/24 -all")],
}


@pytest.fixture(scope="module")
def shapes_server():
    server = DnsServer({**SPF_SHAPES, **DMARC_RECORDS})
    yield server
    server.stop()


def spf_of(server: DnsServer, domain: str):
    """The SPF check of mail from `domain` sent by the relay at RELAY_IP."""
    return check_all(Identity(domain, domain, RELAY_IP), server.address)[0]


def allowed(check) -> bool:
    return f"the relay's address {RELAY_IP} is allowed" in check.findings


def test_ip4_with_a_cidr_suffix_covers_the_network_and_a_prefix_over_32_is_a_permerror(
    shapes_server,
):
    assert allowed(spf_of(shapes_server, "cidr.example"))
    broken = spf_of(shapes_server, "badcidr.example")
    assert broken.status == FAIL
    assert any("SPF permerror: Invalid IP4 CIDR length" in f for f in broken.findings)


@pytest.mark.parametrize(
    "domain",
    ["a24.example", "mx24.example", "ahost.example"],
    ids=["a/24", "mx/24", "a:host/24"],
)
def test_a_cidr_suffix_on_a_or_mx_covers_the_hosts_network(shapes_server, domain):
    check = spf_of(shapes_server, domain)
    assert check.status == PASS, check.findings
    assert allowed(check)


def test_include_passes_through_the_included_record_and_a_missing_one_is_a_permerror(
    shapes_server,
):
    assert allowed(spf_of(shapes_server, "include.example"))
    assert ("_spf.provider.example", "TXT") in shapes_server.queries
    broken = spf_of(shapes_server, "badinclude.example")  # the ip4 after it would pass
    assert broken.status == FAIL
    assert not allowed(broken)
    assert any("SPF permerror" in f for f in broken.findings)


def test_redirect_applies_only_when_no_mechanism_matched_wherever_it_stands(shapes_server):
    first = spf_of(shapes_server, "redirect.example")
    assert first.status == PASS, first.findings  # the ip4 matched: the closed record is unused
    assert allowed(first)
    assert allowed(spf_of(shapes_server, "redirected.example"))


def test_exists_expands_the_clients_address_into_the_name_it_asks(shapes_server):
    check = spf_of(shapes_server, "exists.example")
    assert check.status == PASS, check.findings
    assert (f"{RELAY_IP}._spf.example.org", "A") in shapes_server.queries


def test_ten_lookups_pass_and_the_eleventh_is_a_permerror(shapes_server):
    assert allowed(spf_of(shapes_server, "ten.chain.example"))
    over = spf_of(shapes_server, "eleven.chain.example")  # l6 would pass the relay
    assert over.status == FAIL
    assert not allowed(over)
    assert any("SPF permerror: Too many DNS lookups" in f for f in over.findings)


def test_fail_softfail_and_neutral_are_each_reported_as_what_they_are(shapes_server):
    hard, soft, neutral = (
        spf_of(shapes_server, f"{name}.example") for name in ("hardfail", "softfail", "neutral")
    )
    assert (hard.status, soft.status, neutral.status) == (FAIL, FAIL, FAIL)
    assert f"the relay's address {RELAY_IP} is not allowed by the record (SPF fail)" in (
        hard.findings
    )
    assert any("(SPF softfail" in f for f in soft.findings)
    assert not any("(SPF softfail" in f or "(SPF fail)" in f for f in neutral.findings)
    assert any("(SPF neutral)" in f for f in neutral.findings)
    assert "the record does not end in -all or ~all" in neutral.findings


def test_dmarc_does_not_align_two_domains_that_only_share_a_public_suffix(shapes_server):
    identity = Identity("news.other.co.uk", "bounce.example.co.uk", RELAY_IP)
    dmarc = by_name(check_all(identity, shapes_server.address))["DMARC"]
    assert dmarc.record == "v=DMARC1; p=reject"
    assert dmarc.status == FAIL
    assert "neither the return path nor a DKIM signature aligns with From" in dmarc.findings


def test_dmarc_relaxed_alignment_and_record_come_from_the_organisational_domain(shapes_server):
    identity = Identity("news.example.co.uk", "bounce.news.example.co.uk", RELAY_IP)
    checks = by_name(check_all(identity, shapes_server.address))
    assert checks["SPF"].status == PASS
    assert checks["DMARC"].record == "v=DMARC1; p=quarantine"  # found at _dmarc.example.co.uk
    assert checks["DMARC"].status == PASS
    assert checks["DMARC"].findings == ["SPF aligned with news.example.co.uk"]


def spf_result_from(server: DnsServer) -> str:
    return evaluate(RELAY_IP, "both.example", RELAY_IP, Lookup(server.address).resolver)[0]


def test_concurrent_evaluations_each_ask_their_own_resolver():
    closed = DnsServer({("both.example", "TXT"): [txt("v=spf1 -all")]})
    open_ = DnsServer({("both.example", "TXT"): [txt("v=spf1 ip4:93.184.216.0/24 -all")]})
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(spf_result_from, [closed, open_] * 10))
    finally:
        closed.stop()
        open_.stop()
    assert results == ["fail", "pass"] * 10
