"""Schemathesis hooks for `npm run test:api-fuzz` (functions/test-support/api-fuzz.ts).

Designs the document states and a generic check cannot know. Each finding is dropped only after
the response proves it is that design; anything else fails the run as before.

1. A deleted deployment stays readable (`DELETE /v1/deployments/{id}` declares
   `x-readable-after-delete-as`): a "deleted resource still available" finding is dropped only after
   re-reading the deployment proves it reads as one of those statuses.
2. A schema-valid request the server rightly rejects for a fact JSON Schema cannot state
   (`positive_data_acceptance` expects 2xx): a `cursor` we did not issue (400, `errors[].path`
   `cursor`); a webhook or cache endpoint host that is not public (400 WEBHOOK_URL_REJECTED or
   CACHE_ENDPOINT_REJECTED on that field; it needs DNS); a model the Hub does not have, keeps
   gated or private from this token, cannot serve or that fits no GPU (404 MODEL_NOT_FOUND,
   403 MODEL_GATED / MODEL_PRIVATE, 422 MODEL_UNSUPPORTED / MODEL_TOO_LARGE); a LoRA adapter the
   body names that the Hub lacks, that holds no LoRA or targets another family (422 LORA_*); a task
   the model does not do (422 TASK_UNSUPPORTED, only when the body names a task); a
   deployment id that is not this key's (404 NOT_FOUND, re-read to prove it); a job for a
   deployment that is not ready (409 CONFLICT, re-read to prove it); a job whose fields do not fit
   its deployment (400 VALIDATION_FAILED, every `errors[].path` one of the job-input fields that
   depend on the deployment: video fields on an image model, image inputs on a video model or a
   family without image-to-image, adapters, `lora_scale` without deployment adapters); an
   Idempotency-Key the generator reused with another body (409 IDEMPOTENCY_MISMATCH, as the
   header's description says).
"""

import os
import re
from urllib.parse import urlsplit

import requests
import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData, UseAfterFree

_DELETED = re.compile(r"DELETE (/v1/deployments/[^/?]+)")
_WEBHOOK_FIELDS = {"user_webhook_url", "webhook_url"}
_CACHE_ENDPOINT_FIELDS = {"cache.endpoint_url", "user_aws_endpoint_url"}
_EXCUSED_LOG = "excused.txt"
# shared/src/job/job-kind.ts checkJobForDeployment: the fields whose validity depends on the deployment.
_DEPLOYMENT_JOB_FIELDS = {
    f"input.{name}"
    for name in (
        "image",
        "mask",
        "strength",
        "num_frames",
        "fps",
        "num_images",
        "output_format",
        "loras",
        "lora_scale",
    )
}
_HUB_FACTS = {
    403: {"MODEL_GATED", "MODEL_PRIVATE"},
    404: {"MODEL_NOT_FOUND"},
    422: {"MODEL_UNSUPPORTED", "MODEL_TOO_LARGE"},
}
# Deploy-time adapters the Hub does not have, that hold no LoRA, or that target another family.
_LORA_FACTS = {"LORA_NOT_FOUND", "LORA_INVALID", "LORA_BASE_MISMATCH"}


def _reread(response, path):
    """GET `path` on the same server with the same credentials: (status, body or None)."""
    url = urlsplit(response.request.url)
    headers = {
        k: v
        for k, v in response.request.headers.items()
        if k.lower() in ("authorization", "x-runpod-api-key")
    }
    got = requests.get(
        f"{url.scheme}://{url.netloc}{path}", headers=headers, timeout=10
    )
    try:
        return got.status_code, got.json()
    except ValueError:
        return got.status_code, None


def _problem(response):
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - not JSON: not one of our problems
        return None
    return (
        body if isinstance(body, dict) and isinstance(body.get("code"), str) else None
    )


def _error_paths(problem):
    errors = problem.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    return {e.get("path") for e in errors if isinstance(e, dict)}


def _documented_rejection(case, response):
    """The design in (2) above this rejection of schema-valid data is, or None."""
    problem = _problem(response)
    if problem is None or problem.get("status") != response.status_code:
        return None
    code = problem["code"]
    status = response.status_code
    operation_id = case.operation.definition.raw.get("operationId")
    why = f"{operation_id} {status} {code}"
    paths = _error_paths(problem)
    if status == 400 and code == "VALIDATION_FAILED":
        if operation_id == "createJob":
            body = case.body if isinstance(case.body, dict) else {}
            sent = body.get("input") if isinstance(body.get("input"), dict) else {}
            fits = (
                paths is not None
                and paths <= _DEPLOYMENT_JOB_FIELDS
                # num_images defaults to 1; every other refused field was sent
                and all(p == "input.num_images" or p[6:] in sent for p in paths)
            )
            return f"{why} (job does not fit the deployment)" if fits else None
        cursor = paths == {"cursor"} and "cursor" in (case.query or {})
        return f"{why} (cursor)" if cursor else None
    if status == 400 and code == "WEBHOOK_URL_REJECTED":
        return why if paths is not None and paths <= _WEBHOOK_FIELDS else None
    if status == 400 and code == "CACHE_ENDPOINT_REJECTED":
        return why if paths is not None and paths <= _CACHE_ENDPOINT_FIELDS else None
    if status == 409 and code == "IDEMPOTENCY_MISMATCH":
        keyed = "idempotency-key" in {k.lower() for k in (case.headers or {})}
        return why if keyed and operation_id == "createDeployment" else None
    if operation_id == "createEstimate":
        body = case.body if isinstance(case.body, dict) else {}
        if code in _HUB_FACTS.get(status, ()):
            return why
        if status == 422 and code in _LORA_FACTS and body.get("loras"):
            return f"{why} (adapter)"
        if status == 422 and code == "TASK_UNSUPPORTED" and "task" in body:
            return f"{why} (a task the model does not do)"
    deployment_id = (case.path_parameters or {}).get("id")
    if deployment_id is None or not case.operation.path.startswith(
        "/v1/deployments/{id}"
    ):
        return None
    reread, deployment = _reread(response, f"/v1/deployments/{deployment_id}")
    if status == 404 and code == "NOT_FOUND" and reread == 404:
        return f"{why} (not this key's deployment)"
    if status == 409 and code == "CONFLICT" and operation_id == "createJob":
        state = deployment.get("status") if isinstance(deployment, dict) else None
        if reread == 200 and state not in (None, "ready"):
            return f"{why} (deployment {state})"
    return None


def _excused(reason):
    """Records an excused finding for api-fuzz.ts' tally, in its `excused.txt` when there is one."""
    if os.path.exists(_EXCUSED_LOG):
        with open(_EXCUSED_LOG, "a", encoding="utf-8") as out:
            out.write(reason + "\n")
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if isinstance(failure, RejectedPositiveData):
        reason = _documented_rejection(case, response)
        return (
            True if reason is None else _excused(f"positive_data_acceptance: {reason}")
        )
    if not isinstance(failure, UseAfterFree):
        return True
    freed = _DELETED.fullmatch(failure.free)
    if freed is None:
        return True
    operation = case.operation.schema.raw_schema["paths"]["/v1/deployments/{id}"][
        "delete"
    ]
    readable_as = operation.get("x-readable-after-delete-as") or []
    reread, deployment = _reread(response, freed.group(1))
    status = deployment.get("status") if isinstance(deployment, dict) else None
    if reread == 200 and status in readable_as:
        return _excused(f"use_after_free: deleted deployment reads as {status}")
    return True
