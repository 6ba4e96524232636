"""The ``durableClient`` binding value the SDK builds its client from (doc 4.1; pure)."""

from __future__ import annotations

import json

_PLACEHOLDER = "INSTANCEID"


def client_binding(external_base_url: str, task_hub: str, rpc_path: str, required_query: str = "") -> str:
    """JSON text for a durable-client parameter; RPC (below ``rpc_path``) and webhooks share
    ``external_base_url``; ``required_query`` (the durable system key) ends every management URL."""
    root = external_base_url.rstrip("/")
    base = f"{root}/runtime/webhooks/durabletask"
    query = f"&{required_query}" if required_query else ""
    hub = f"taskHub={task_hub}&connection=Storage{query}"
    instance = f"{base}/instances/{_PLACEHOLDER}"
    start = f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]"
    binding = {
        "taskHubName": task_hub,
        "creationUrls": {
            "createNewInstancePostUri": f"{start}?{required_query}".rstrip("?"),
            "createAndWaitOnNewInstancePostUri": (
                f"{start}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}{query}"
            ),
        },
        "managementUrls": {
            "id": _PLACEHOLDER,
            "statusQueryGetUri": f"{instance}?{hub}",
            "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{hub}",
            "terminatePostUri": f"{instance}/terminate?reason={{text}}&{hub}",
            "rewindPostUri": f"{instance}/rewind?reason={{text}}&{hub}",
            "purgeHistoryDeleteUri": f"{instance}?{hub}",
            "restartPostUri": f"{instance}/restart?{hub}",
            "suspendPostUri": f"{instance}/suspend?reason={{text}}&{hub}",
            "resumePostUri": f"{instance}/resume?reason={{text}}&{hub}",
        },
        "baseUrl": base,
        "requiredQueryStringParameters": required_query,
        "rpcBaseUrl": f"{root}{rpc_path.rstrip('/')}/",
    }
    return json.dumps(binding)
