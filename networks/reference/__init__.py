"""Reference data of the cooperation world: versioned YAML files in networks/data/, validated then upserted."""
