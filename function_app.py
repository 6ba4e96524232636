"""strava-snapshot: the composition root. Registers every blueprint on one Durable Functions app.

Invariants (see docs/architecture.md):
- One refresher per athlete: only the token lifecycle orchestration refreshes tokens; anyone else who
  meets a rejected access token asks it to (``refresh_now`` event).
- Tokens never pass through orchestration history: activities read them from the token store.
- Orchestrators are deterministic; activities are idempotent (delivery is at-least-once).
- Singletons rest on host.json's ``extensions.durableTask.overridableExistingInstanceStates:
  NonRunningStates`` (``start_new`` refuses an instance that has not finished).
"""

import azure.durable_functions as df
import azure.functions as func

import activities
import api
import orchestrations
import scheduled

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (*api.blueprints, *scheduled.blueprints, *orchestrations.blueprints, *activities.blueprints):
    app.register_functions(blueprint)
