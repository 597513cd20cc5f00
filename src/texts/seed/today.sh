#!/bin/sh
# The date, so that the world changes once a day and recurring goals get a beat.
printf '{"date":"%s"}\n' "$(date +%Y-%m-%d)"
