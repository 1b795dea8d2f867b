"""Mail that comes back: bounces, complaints, auto-replies and unsubscribe requests.

classify   raw bytes -> a Verdict (pure: no database, no Flask)
reports    RFC 3464 delivery status and RFC 5965 feedback reports
rules      our own rules: status codes, provider wording, auto-replies
act        a Verdict -> the ledger: events, suppression, unsubscribes, pausing (flush only)
smtpd      the aiosmtpd server for the bounce and unsubscribe addresses (loaded on use)
mailbox    IMAP or POP3 polling of DIGEST_BOUNCE_MAILBOX (loaded on use)
health     what the sender-health page shows: rates, unsubscribe times
dnscheck   SPF, DKIM and DMARC of the sending domain (dnspython, loaded on use)
"""
