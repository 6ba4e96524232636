"""devhost: run a Python v2 (Durable) Functions app locally with real durable semantics.

A development and test tool. Production runs on Azure Functions with the Durable extension.
"""

READY_LINE = "devhost ready on "  # printed, followed by the base URL, once devhost serves requests
