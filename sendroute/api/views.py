"""Human-readable API documentation, made from the OpenAPI document itself."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .api import api


def docs(request: HttpRequest) -> HttpResponse:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    operations = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            operations.append({"method": method.upper(), "path": path, **op})
    return render(
        request,
        "api/docs.html",
        {"title": "API documentation", "schema": schema, "operations": operations},
    )
