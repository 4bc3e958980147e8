"""The catalogue: studios, people, achievements and patents."""
