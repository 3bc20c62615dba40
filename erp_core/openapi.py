"""The OpenAPI 3.1 document of ``/api/v1``, generated from the route declarations that serve the
endpoints: every schema is pydantic's own JSON Schema of the models the routes parse and answer
(``models_json_schema``, so shared models and enums become one component each), and path and query
parameters take their types, enums, formats and bounds from the same models."""
from __future__ import annotations

import re

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from .api import Route, resolve_model

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "string", "description": "Machine-readable: bad_request, not_found, invalid_state, a domain code..."},
            "message": {"type": "string", "description": "A sentence a person can act on."},
            "details": {"type": "array", "maxItems": 1000, "description": "Every offending item: the field, or the item it names.",
                        "items": {"type": "object"}},
            "details_omitted": {"type": "integer", "minimum": 1, "description": "How many items were left out of details."},
        }}},
}
ERRORS = {
    400: "Malformed request: not JSON, wrong types, unknown or missing fields, a bad query parameter",
    401: "No token, a bad or expired token",
    403: "The role may not do this",
    404: "No such record",
    409: "The record's state forbids it",
    413: "The request body is larger than 10 MiB",
    415: "The request body is not application/json",
    422: "A business rule was broken; the code says which",
    429: "Too many failed logins; retry after the Retry-After header's seconds",
}


class _ComponentNames(GenerateJsonSchema):
    """Component names OpenAPI accepts: ``Page[PartnerOut]`` becomes ``PartnerOutPage``."""

    def normalize_name(self, name: str) -> str:
        generic = re.fullmatch(r"(\w+)\[(.+)\]", name)
        if generic:
            name = re.sub(r"\W", "", generic.group(2)) + generic.group(1)
        return super().normalize_name(name)


def _path(rule: str) -> str:
    return "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _path_parameters(rule: str) -> list[dict]:
    parameters = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1} if converter == "int" else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _error_statuses(route: Route) -> list[int]:
    statuses = {400, 422} | set(route.errors)
    if route.auth:
        statuses |= {401, 403}
    if "<" in route.rule:
        statuses |= {404}
        if route.method != "GET":
            statuses |= {409}
    if route.method in ("POST", "PUT", "PATCH"):
        statuses |= {413, 415}
    return sorted(statuses)


def openapi_document(app: Flask) -> dict:
    state = app.extensions["erp"]
    routes: list[Route] = state.api_routes
    # One schema per model, in validation mode for answers too: no answer model has fields whose
    # defaults would make the two modes differ.
    models: list[tuple[type[BaseModel], str]] = []
    for r in routes:
        for model in (resolve_model(r.body), resolve_model(r.query), resolve_model(r.response)):
            if model is not None and (model, "validation") not in models:
                models.append((model, "validation"))
    refs, definitions = models_json_schema(models, ref_template="#/components/schemas/{model}", schema_generator=_ComponentNames)
    components = dict(definitions.get("$defs", {}))
    query_models = {resolve_model(r.query) for r in routes if r.query is not None}
    for model in query_models:  # a query model is a list of parameters, not a schema of its own
        ref = refs[(model, "validation")]["$ref"].rsplit("/", 1)[1]
        refs[(model, "validation")] = components.pop(ref)

    def response(description: str, schema: dict | None, media_type: str = "application/json") -> dict:
        return {"description": description, **({"content": {media_type: {"schema": schema}}} if schema else {})}

    def schema_of(model) -> dict:
        return refs[(resolve_model(model), "validation")]

    error = {"$ref": "#/components/schemas/Error"}

    paths: dict = {}
    for r in routes:
        operation: dict = {"summary": r.summary, "tags": [r.tag], "operationId": f"{r.tag}_{r.view.__name__}",
                           "parameters": _path_parameters(r.rule)}
        if r.query is not None:
            query = refs[(resolve_model(r.query), "validation")]
            for name, schema in query.get("properties", {}).items():
                schema = dict(schema)
                description = schema.pop("description", None)
                schema.pop("title", None)
                operation["parameters"].append({"name": name, "in": "query", "required": name in query.get("required", []),
                                                "schema": schema, **({"description": description} if description else {})})
        if r.permission:
            roles = sorted(state.permissions[r.permission] | {"admin"})
            operation["description"] = f"Roles: {', '.join(roles)} (permission `{r.permission}`)."
        if r.body is not None:
            operation["requestBody"] = {"required": not r.body_optional, "content": {"application/json": {"schema": schema_of(r.body)}}}
        elif r.raw_body is not None:  # a file, read by the view itself
            operation["requestBody"] = {"required": True, "content": {r.raw_body: {"schema": {"type": "string"}}}}
        if r.produces != "application/json":  # a file, such as a CSV export or a PDF
            binary = {} if r.produces.startswith("text/") else {"format": "binary"}
            operation["responses"] = {str(r.status): response("Success", {"type": "string", **binary}, r.produces)}
        else:
            operation["responses"] = {str(r.status): response("Success", schema_of(r.response) if r.response is not None else None)}
        for status in _error_statuses(r):
            description = ERRORS[status] if status != 415 or r.raw_body is None else f"The request body is not {r.raw_body}"
            operation["responses"][str(status)] = response(description, error)
        if r.auth:
            operation["security"] = [{"bearer": []}]
        paths.setdefault(_path(r.rule), {})[r.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "ERP API", "version": "1.0.0",
                 "description": "Generated from the route declarations that serve these endpoints."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": {**components, "Error": ERROR_SCHEMA},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
