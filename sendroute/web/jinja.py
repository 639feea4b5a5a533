"""The Jinja2 environment: GOV.UK Frontend macros (govuk-frontend-jinja) plus our templates."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader, PrefixLoader

from sendroute.rules.dates import format_date


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """Reverse a URL by name, for templates: url("cases:case", case_id=...)."""
    if set(kwargs) == {"kwargs"}:  # also accept Django's own spelling, url(name, kwargs={...})
        kwargs = dict(kwargs["kwargs"])
    key = (name, args, tuple(sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError:  # an argument that cannot be a key (a list): reversed each time
        return reverse(name, args=args or None, kwargs=kwargs or None)
    return _reversed(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, *key)


@functools.lru_cache(maxsize=1024)
def _reversed(
    prefix: str, urlconf: str, name: str, args: tuple[Any, ...], kwargs: tuple[Any, ...]
) -> str:
    """Django's reverse() is pure for a given URLconf and script prefix (both in the key) and
    costs about 30 microseconds; a case page asks for about 70 URLs, most of them the same
    from one request to the next. Each remembered URL holds about 530 bytes of a worker's memory
    (8,192 of them measured 4.3 MB, which was half of a worker's growth in the 30-minute soak),
    so 1,024 are kept: about 0.5 MB, enough for the URLs of several recent pages."""
    return reverse(name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


def when(moment: Any) -> str:
    """A date and time in England, as GOV.UK writes it: 27 November 2026 at 2:05pm."""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def longdate(moment: Any) -> str:
    """A date (or the date of a time, in England) as GOV.UK writes it: 27 November 2026."""
    if hasattr(moment, "hour"):
        moment = timezone.localtime(moment)
    return f"{moment.day} {moment:%B %Y}"


def checked_if(item: dict[str, Any], value: Any) -> dict[str, Any]:
    """A radios or checkboxes item, checked when its value is (or is in) ``value``."""
    chosen = value if isinstance(value, list | tuple | set) else [value]
    return {**item, "checked": item.get("value") in chosen}


def environment(**options: Any) -> Environment:
    """Django calls this to build the Jinja2 environment (TEMPLATES OPTIONS 'environment')."""
    loader = options.pop("loader")
    options["loader"] = ChoiceLoader(
        [loader, PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]
    )
    options.pop("autoescape", None)  # always on: every page shows what families typed
    # GOV.UK Frontend's macros rely on Jinja's ordinary, lenient undefined values.
    options["undefined"] = ChainableUndefined
    env = Environment(autoescape=True, **options)
    env.globals.update(
        static=static, url=url, service_name="Get advice about a SEND complaint or disagreement"
    )
    env.filters["long_date"] = format_date
    env.filters["extract"] = lambda key, table: table.get(key, key)
    env.globals["get_messages"] = get_messages
    env.filters["when"] = when
    env.filters["longdate"] = longdate
    env.filters["checked_if"] = checked_if
    env.filters["lower_first"] = lambda text: text[:1].lower() + text[1:] if text else text
    return env
