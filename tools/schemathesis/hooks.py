"""Schemathesis hooks for `npm run test:api-fuzz` (functions/test-support/api-fuzz.ts).

One design the document states and a generic check cannot know: a deleted deployment stays readable
(`DELETE /v1/deployments/{id}` declares `x-readable-after-delete-as`). A "deleted resource still
available" finding is dropped only after re-reading the deployment proves it reads as one of those
statuses; a deployment still readable as anything else fails the run as before.
"""

import re
from urllib.parse import urlsplit

import requests
import schemathesis
from schemathesis.openapi.checks import UseAfterFree

_DELETED = re.compile(r"DELETE (/v1/deployments/[^/?]+)")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if not isinstance(failure, UseAfterFree):
        return True
    freed = _DELETED.fullmatch(failure.free)
    if freed is None:
        return True
    operation = case.operation.schema.raw_schema["paths"]["/v1/deployments/{id}"][
        "delete"
    ]
    readable_as = operation.get("x-readable-after-delete-as") or []
    url = urlsplit(response.request.url)
    headers = {
        k: v
        for k, v in response.request.headers.items()
        if k.lower() in ("authorization", "x-runpod-api-key")
    }
    got = requests.get(
        f"{url.scheme}://{url.netloc}{freed.group(1)}", headers=headers, timeout=10
    )
    try:
        status = got.json().get("status")
    except ValueError:
        status = None
    return not (got.status_code == 200 and status in readable_as)
