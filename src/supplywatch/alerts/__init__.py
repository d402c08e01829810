"""Alert rules (versioned YAML), the level ladder 관심/주의/경계/심각, evaluation, back-test."""
