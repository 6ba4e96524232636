"""Activity history: aggregates, goals, sync planning and the shared rate budget (pure, typed)."""
