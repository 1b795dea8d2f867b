"""SPF, DKIM and DMARC checked against what digest sends, through a real (small, local)
DNS server the checks are pointed at, as an admin points them at their resolver."""

from __future__ import annotations

import base64
import subprocess

import pytest

from digest.deliver.health.dnscheck import FAIL, PASS, WARN, Identity, check_all
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
