#!/usr/bin/env bash
# Replays harness/tests/tcp/ over real TCP: --target against a running
# scripted server, --server starting one per scenario, and a wrong
# expectation that must fail with its difference on stderr.
set -euo pipefail
mailflow=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT

source "$here/lib.sh"
start_scripted_server "$work"

echo "== --target 127.0.0.1:$port"
"$mailflow" replay --target "127.0.0.1:$port" "$here/tcp/pass-session.xml" --report "$work/r.xml" | tee "$work/out"
grep -qx "1 passed, 0 failed" "$work/out"
grep -q 'mode="target"' "$work/r.xml"
xmllint --noout --schema "$here/../../reports/report.xsd" "$work/r.xml"
grep -q "expectations skipped" "$work/r.xml"

echo "== --server"
"$mailflow" replay --server "python3 $here/scripted_smtp_server.py {smtp}" "$here/tcp" | tee "$work/out"
grep -qx "1 passed, 0 failed" "$work/out"

echo "== a wrong expectation fails"
mkdir -p "$work/s/a/b"
sed "s#../../../fixtures#$here/../../fixtures#" "$here/tcp/wrong-expectation.xml.in" > "$work/s/a/b/wrong.xml"
set +e
"$mailflow" replay --target "127.0.0.1:$port" "$work/s" --allow-fixtures "$here/../../fixtures" > "$work/out" 2> "$work/err"
rc=$?
set -e
cat "$work/out" "$work/err"
[[ $rc -eq 1 ]]
grep -qx "0 passed, 1 failed" "$work/out"
grep -q "expected: 250 OK" "$work/err"
grep -q "actual:   550 Relay denied" "$work/err"
echo "== a reply that never ends: the step fails within the patience, memory stays bounded"
cat > "$work/flood.xml" <<EOF
<scenario xmlns="urn:mailflow:scenario:1">
  <mailroot fixture="$here/../../fixtures/mailroots/hunet"/>
  <session>
    <greeting code="220"/>
    <send line="FLOOD" code="250"/>
  </session>
</scenario>
EOF
set +e
# 1 GB of address space: the endless reply grew memory by ~290 MB/s without end.
(ulimit -v 1048576; timeout 60 "$mailflow" replay --target "127.0.0.1:$port" "$work/flood.xml" --allow-fixtures "$here/../../fixtures" \
   --report "$work/flood-report.xml" > "$work/out" 2> "$work/err")
rc=$?
set -e
tail -c 300 "$work/err"; echo
[[ $rc -eq 1 ]]
grep -qx "0 passed, 1 failed" "$work/out"
grep -q "the reply did not end within 10000 ms" "$work/flood-report.xml"
grep -q "more than the harness keeps; they were read and dropped" "$work/flood-report.xml"
echo "tcp replay: ok"
