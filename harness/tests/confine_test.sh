#!/usr/bin/env bash
# Issue 10.5: a filter's descendants do not outlive it, and an interrupted
# replay stops its filters and removes its temporary folders.
#   confine_test.sh MAILFLOW SOURCE_DIR
set -euo pipefail
mailflow=$1
src=$2
work=$(mktemp -d)
trap 'for p in $(cat "$work"/*.pids 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
mkdir -p "$work/tmp"

scenario() {  # NAME FILTER_BODY TIMEO
  cat > "$work/$1.xml" <<XML
<scenario xmlns="urn:mailflow:scenario:1">
  <mailroot fixture="$src/fixtures/mailroots/hunet"/>
  <file path="filters.post-rcpt.tab">"!timeo=$3"	"{root}/filters/f.sh"	"\$(FILE)"
</file>
  <file path="filters/f.sh" executable="true">#!/bin/sh
$2
</file>
  <session>
    <greeting code="220"/>
    <send line="HELO client.test" code="250"/>
    <send line="MAIL FROM:&lt;x@remote.test&gt;" code="250"/>
    <send line="RCPT TO:&lt;cop@hunet.jp&gt;" code="250"/>
    <send line="QUIT" code="221"/>
  </session>
</scenario>
XML
}

alive() { kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" | cut -c1)" != Z ]]; }

echo "== a filter's children, setsid ones too, end by the end of the replay"
scenario children "sleep 300 &
echo \$! >> $work/children.pids
setsid sleep 301 &
echo \$! >> $work/children.pids
exit 0" 30
TMPDIR="$work/tmp" "$mailflow" replay --allow-fixtures "$src/fixtures" "$work/children.xml"
[[ $(wc -l < "$work/children.pids") -eq 2 ]]
for p in $(cat "$work/children.pids"); do
  if alive "$p"; then echo "process $p outlived the replay"; exit 1; fi
done

echo "== SIGTERM (SIGINT alike) stops a waiting filter and removes the temporary folders"
scenario waits "echo \$\$ >> $work/waits.pids
sleep 60" 120
TMPDIR="$work/tmp" "$mailflow" replay --allow-fixtures "$src/fixtures" "$work/waits.xml" > "$work/out" 2> "$work/err" &
replay=$!
for _ in $(seq 200); do [[ -s "$work/waits.pids" ]] && break; sleep 0.05; done
[[ -s "$work/waits.pids" ]]
kill -TERM "$replay"
set +e
wait "$replay"
rc=$?
set -e
cat "$work/err"
[[ $rc -eq 143 ]]
grep -q "interrupted" "$work/err"
for p in $(cat "$work/waits.pids"); do
  if alive "$p"; then echo "filter $p outlived the interrupt"; exit 1; fi
done
if [[ -n "$(ls -A "$work/tmp")" ]]; then echo "left behind:"; find "$work/tmp"; exit 1; fi
echo "== --timeout interrupts a step waiting on a filter"
start=$(date +%s)
set +e
TMPDIR="$work/tmp" "$mailflow" replay --allow-fixtures "$src/fixtures" "$work/waits.xml" --timeout 2 > "$work/out" 2> "$work/err"
rc=$?
set -e
cat "$work/err"
[[ $rc -eq 1 ]]
grep -q "still running after 2 s (--timeout)" "$work/err"
(( $(date +%s) - start < 20 )) || { echo "--timeout 2 took $(( $(date +%s) - start )) s"; exit 1; }
echo "== fixture= outside the scenario's tree is refused unless allowed"
set +e
TMPDIR="$work/tmp" "$mailflow" replay "$work/children.xml" > "$work/out" 2> "$work/err"
rc=$?
set -e
cat "$work/err"
[[ $rc -ne 0 ]]
grep -q "is outside the scenario's tree" "$work/err"
echo "confinement: ok"
