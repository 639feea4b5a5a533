"""Every scenario's advice, as JSON, follows the published schema sendroute.advice/1."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from sendroute.rules import advise_raw
from sendroute.rules.yamlfile import load_yaml_file

ROOT = Path(__file__).resolve().parent
SCHEMA = json.loads((ROOT.parent / "sendroute/rules/advice.schema.json").read_text())


def _scenarios():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = load_yaml_file(path)
        for spec in data["scenarios"] if isinstance(data, dict) else data:
            if "error" not in spec:
                yield pytest.param(spec, id=f"{path.stem}: {spec['name']}")


@pytest.mark.parametrize("spec", list(_scenarios()))
def test_scenario_advice_follows_the_schema(spec):
    advice = advise_raw(
        spec.get("facts") or {},
        area=spec.get("area", "norfolk"),
        today=dt.date.fromisoformat(str(spec["today"])),
    )
    data = json.loads(json.dumps(advice.to_dict()))
    jsonschema.validate(data, SCHEMA)


def test_the_schema_rejects_advice_missing_a_field():
    advice = advise_raw({}, today=dt.date(2026, 11, 27)).to_dict()
    del advice["next_question"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(advice, SCHEMA)
