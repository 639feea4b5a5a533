"""The JSON API: advice, facts, rules and areas, described by an OpenAPI document."""
