"""Sender health: bounce and complaint rates, unsubscribe delays, the one-click self-test and
the DNS records (SPF, DKIM, DMARC) of the sending domain, for the admin's health page."""
