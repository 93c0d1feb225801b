#!/bin/sh
# For -c in the fault cases: `die.sh HOW CMD...` runs CMD, then ends as HOW says: a number
# is the exit status, a signal name (SEGV) kills this shell with that signal, as a crash.
how=$1
shift
"$@"
case "$how" in
[0-9]*) exit "$how" ;;
*) kill -s "$how" $$ ;;
esac
