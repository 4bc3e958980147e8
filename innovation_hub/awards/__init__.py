"""Award rounds: nominations, judging, ranking, 公示 and results."""
