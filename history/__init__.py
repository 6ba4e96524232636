"""Activity history: aggregates, goals and sync planning (pure, typed)."""
