#!/bin/sh
# Totals the sales column of a region,sales CSV file, overall and for one region, and prints
# the result as one line of JSON (the task's result).
file=$1
region=$2
awk -F, -v file="$file" -v region="$region" '
  NR > 1 { total += $2; if ($1 == region) mine += $2; rows++ }
  END { printf "{\"file\": \"%s\", \"rows\": %d, \"total\": %d, \"region\": %d}\n", file, rows, total, mine }
' "$file"
