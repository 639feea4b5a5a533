"""Values every page template needs (Jinja2 context processor)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def page(request: HttpRequest) -> dict[str, Any]:
    """The CSP nonce for GOV.UK Frontend's one inline script, and the asset path."""
    nonce = getattr(request, "csp_nonce", None)
    # str() makes django-csp create the nonce (its lazy object is falsy until then).
    return {"cspNonce": str(nonce) if nonce is not None else "", "assetPath": "/assets"}
