"""Workshop load per bay and day (owner: workshop capacity)."""
