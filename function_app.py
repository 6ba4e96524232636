"""strava-snapshot: the composition root. Registers every blueprint on one Durable Functions app.

Invariants (see docs/architecture.md):
- One refresher per athlete: only the token lifecycle orchestration refreshes tokens; anyone else who
  meets a rejected access token asks it to (``refresh_now`` event).
- Tokens never pass through orchestration history: activities read them from the token store.
- Orchestrators are deterministic; activities are idempotent (delivery is at-least-once).
- Singletons rest on host.json's ``extensions.durableTask.overridableExistingInstanceStates:
  NonRunningStates`` (``start_new`` refuses an instance that has not finished).
"""

import gc

import aiohttp  # noqa: F401 - the four libraries first: what the freeze below covers
import azure.data.tables.aio  # noqa: F401
import azure.durable_functions as df
import azure.functions as func

# Cold start: the libraries' objects (tens of thousands, alive as long as the process) leave the
# collector's generations, so a full collection while the app's modules load does not scan them all
# again (~40 % of this import's own time, tools/bench import_cost). Their garbage cycles, if any, stay.
gc.freeze()

import activities  # noqa: E402 - after the freeze
import api  # noqa: E402
import orchestrations  # noqa: E402
import scheduled  # noqa: E402

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (*api.blueprints, *scheduled.blueprints, *orchestrations.blueprints, *activities.blueprints):
    app.register_functions(blueprint)
