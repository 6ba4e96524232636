"""Entry point: ``python -m strava_emulator``."""

from strava_emulator.cli import main

if __name__ == "__main__":
    main()
