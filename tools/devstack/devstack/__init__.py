"""Start the local development stack: Azurite, the Strava emulator and devhost."""
