"""Text that ends up in a mail header, made safe against header injection."""

import re

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL_RUN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean_header_text(text: str) -> str:
    """Return text on one line: control characters (CR/LF included) become spaces."""
    return " ".join(_CONTROL_RUN.sub(" ", text).split())
