#!/usr/bin/env bash
# Run a command and print its wall time and the machine's busy core-seconds meanwhile (from
# /proc/stat: user+nice+system+irq+softirq; meaningful on an otherwise idle machine, and it counts
# what the command's processes do not report, such as Chromium's renderers and PostgreSQL):
#
#   bench/busy_cpu.sh LABEL COMMAND [ARGS...]      e.g. bench/busy_cpu.sh make-test make test
set -uo pipefail
label=$1; shift
read -r _ u n s _ _ q sq _ < /proc/stat; before=$((u + n + s + q + sq)); t0=$(date +%s.%N)
"$@"; status=$?
read -r _ u n s _ _ q sq _ < /proc/stat; after=$((u + n + s + q + sq)); t1=$(date +%s.%N)
python3 -c "print(f'$label: exit $status, {($t1 - $t0):.0f} s wall, {($after - $before) / 100:.0f} busy core-seconds')"
exit $status
