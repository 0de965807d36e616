#!/bin/sh
# Compensation for the build task: nothing to undo in the example, so it only reports.
printf '{"compensated": "build"}\n'
