"""The Jinja2 environment: GOV.UK Frontend macros (govuk-frontend-jinja) plus our templates."""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader, PrefixLoader

from sendroute.rules.dates import format_date


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """Reverse a URL by name, for templates."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    """Django calls this to build the Jinja2 environment (TEMPLATES OPTIONS 'environment')."""
    loader = options.pop("loader")
    options["loader"] = ChoiceLoader(
        [loader, PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]
    )
    options.setdefault("autoescape", True)
    # GOV.UK Frontend's macros rely on Jinja's ordinary, lenient undefined values.
    options["undefined"] = ChainableUndefined
    env = Environment(**options)  # noqa: S701 - autoescape is on, set just above
    env.globals.update(
        static=static, url=url, service_name="Get advice about a SEND complaint or disagreement"
    )
    env.filters["long_date"] = format_date
    env.filters["extract"] = lambda key, table: table.get(key, key)
    env.filters["lower_first"] = lambda text: text[:1].lower() + text[1:] if text else text
    return env
