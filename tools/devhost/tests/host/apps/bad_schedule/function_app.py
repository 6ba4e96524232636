# mypy: disable-error-code="untyped-decorator"
"""An app whose timer schedule is invalid: devhost must refuse to start."""

import azure.functions as func

app = func.FunctionApp()


@app.timer_trigger(arg_name="timer", schedule="61 * * * * *")
def never(timer: func.TimerRequest) -> None:
    return None
