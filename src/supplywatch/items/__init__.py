"""The critical-item catalog: materials <-> HS codes <-> stages <-> names in KO/JA/ZH/EN."""
