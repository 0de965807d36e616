#!/bin/sh
# Prints the line count of a data file as JSON: {"id": ..., "rows": ...}.
id=${1:-unknown}
file=${2:-/dev/null}
rows=$(wc -l < "$file" 2>/dev/null | tr -d ' ')
printf '{"id": "%s", "rows": %s}\n' "$id" "${rows:-0}"
