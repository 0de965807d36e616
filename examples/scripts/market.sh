#!/bin/sh
# Prints a market analysis as JSON; deep_analysis runs only when marketSize exceeds 1000000.
topic=${1:-unknown}
printf '{"topic": "%s", "marketSize": 2500000, "technicalComplexity": "high"}\n' "$topic"
