"""Mail that comes back: bounces, complaints, auto-replies and unsubscribe requests.

classify   raw bytes -> a Verdict (pure: no database, no Flask)
reports    RFC 3464 delivery status and RFC 5965 feedback reports
rules      our own rules: status codes, provider wording, auto-replies
act        a Verdict -> the ledger: events, suppression, unsubscribes, pausing (flush only)
smtpd      the aiosmtpd server for the bounce and unsubscribe addresses and mail sources' signed
           addresses (loaded on use); newsletters are kept, then read by digest.ingest.inbox
mailbox    IMAP or POP3 polling of DIGEST_BOUNCE_MAILBOX (loaded on use)
thresholds an edition pauses itself when its first rows bounce or complain too much

The signed return path itself is digest.deliver.returnpath; the admin's view of all this
is digest.deliver.health.
"""
