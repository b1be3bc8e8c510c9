#!/usr/bin/env bash
# Issue 10, item 3: credentials sent as raw bytes or pipelined never reach a
# report or the terminal. scenarios/auth/19-raw-and-pipelined-secrets.xml is
# replayed as it is (passing) and with every expected 235 made wrong
# (failing: the failure headings quote the sent text in the terminal, the
# JUnit file and the reports); no output may hold the password, the user
# name's or password's base64, or the PLAIN credentials' base64.
set -euo pipefail
mailflow=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario="$src/scenarios/auth/19-raw-and-pipelined-secrets.xml"
secrets=(copsecret Y29wc2VjcmV0 Y29wQGh1bmV0Lmpw AGNvcEBodW5ldC5qcABjb3BzZWNyZXQ=
         "$(printf '\0cop@hunet.jp\0copsecret' | base64)")

echo "== passing"
"$mailflow" replay "$scenario" --report "$work/pass.xml" --junit "$work/pass-junit.xml" --html "$work/pass.html" \
  > "$work/pass.out" 2> "$work/pass.err"
grep -qx "1 passed, 0 failed" "$work/pass.out"

echo "== failing (every 235 expected as 299)"
sed -e "s#../../fixtures#$src/fixtures#" -e 's#reply="235 Authentication successful"#reply="299 wrong"#' \
  "$scenario" > "$work/failing.xml"
set +e
"$mailflow" replay "$work/failing.xml" --allow-fixtures "$src/fixtures" --report "$work/fail.xml" \
  --junit "$work/fail-junit.xml" --html "$work/fail.html" > "$work/fail.out" 2> "$work/fail.err"
rc=$?
set -e
[[ $rc -eq 1 ]] || { echo "expected exit 1, got $rc"; cat "$work/fail.out" "$work/fail.err"; exit 1; }
grep -q "reply to " "$work/fail.err"  # the headings that quote the sent text are there

for f in pass.xml pass-junit.xml pass.html pass.out pass.err fail.xml fail-junit.xml fail.html fail.out fail.err; do
  for s in "${secrets[@]}"; do
    if grep -qF -- "$s" "$work/$f"; then
      echo "$f holds the secret '$s':"; grep -nF -- "$s" "$work/$f" | head -5; exit 1
    fi
  done
done
# the sent text is there, redacted (so the greps below look at real steps)
grep -q '<sent>AUTH PLAIN \*\*\*\\r\\n</sent>' "$work/pass.xml"
grep -q '<sent>AUTH LOGIN\\r\\n\*\*\*\\r\\n\*\*\*\\r\\n</sent>' "$work/pass.xml"

xmllint --noout --schema "$src/reports/report.xsd" "$work/pass.xml" "$work/fail.xml"
echo "secrets: none of ${#secrets[@]} in any report or terminal output"
