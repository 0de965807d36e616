#!/bin/sh
# Rollback of the example migration: nothing was changed, so it only reports.
printf '{"rolledBack": true}\n'
