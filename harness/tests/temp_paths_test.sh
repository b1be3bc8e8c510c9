#!/usr/bin/env bash
# Issue 10, item 9: the private MailRoot copy's absolute path never reaches a
# report. TMPDIR is a symbolic link (so the copy has two spellings, the one
# the harness made and its realpath, which a filter's `pwd -P` prints), the
# scenario puts {root} in a sent line, in message header and body lines, in a
# filter's argv and .rej reply, and in a failing expectation. The reports
# must hold neither spelling nor any /tmp/ or /dev/shm/ path, and two runs
# (two different copies) must give the same bytes.
set -euo pipefail
mailflow=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/real"
ln -s real "$work/link"
cd "$work"
cat > where.xml <<EOF2
<scenario xmlns="urn:mailflow:scenario:1" name="temp-paths">
  <description>{root} everywhere a report quotes text</description>
  <mailroot fixture="$src/fixtures/mailroots/hunet"/>
  <file path="filters.post-rcpt.tab">"{root}/filters/where.sh"	"\$(FILE)"	"\$(CRCPT)"	"{root}/arg"
</file>
  <file path="filters/where.sh" executable="true">#!/bin/sh
case "\$2" in
  where*) echo "550 5.7.1 in \$(cd "\$(dirname "\$1")" &amp;&amp; pwd -P) and \$3" > "\$1.rej"; exit 3 ;;
esac
exit 0
</file>
  <session protocol="smtp">
    <greeting code="220"/>
    <send line="HELO client.example" code="250"/>
    <send line="NOOP {root}" code="250"/>
    <send line="MAIL FROM:&lt;love@soopoo.jp&gt;" code="250"/>
    <send line="RCPT TO:&lt;cop@hunet.jp&gt;" code="250"/>
    <send line="RCPT TO:&lt;where@dojo.jp&gt;" code="550"/>
    <send line="DATA" code="354"/>
    <send line="X-Root: {root}/header" wait="false"/>
    <send line="" wait="false"/>
    <send line="body in {root}/body" wait="false"/>
    <send line="." code="250"/>
    <send line="NOOP" reply="250 {root} (an expectation that fails)"/>
    <send line="QUIT" code="221"/>
  </session>
</scenario>
EOF2

run() {  # N: one replay with TMPDIR a symbolic link; outputs N.*
  set +e
  TMPDIR="$work/link" "$mailflow" replay where.xml --allow-fixtures "$src/fixtures" \
    --report "$1.xml" --junit "$1-junit.xml" --html "$1.html" > "$1.out" 2> "$1.err"
  local rc=$?
  set -e
  [[ $rc -eq 1 ]] || { echo "run $1: expected exit 1, got $rc"; cat "$1.out" "$1.err"; exit 1; }
}
run 1
run 2
cat 1.err
# the scenario did what it is for: the path was there to leak
grep -q 'X-Root: {root}/header' 1.xml
grep -q 'body in {root}/body' 1.xml
grep -q '<sent>NOOP {root}</sent>' 1.xml
grep -q 'in {root}/tmp and' 1.xml  # the filter's pwd -P (the realpath) in its .rej reply
for f in 1.xml 1-junit.xml 1.html 1.out 1.err; do
  for p in "$work" "$(cd "$work" && pwd -P)" "$work/link" "$work/real" mailflow-replay-; do
    if grep -qF -- "$p" "$f"; then echo "$f holds '$p':"; grep -nF -- "$p" "$f" | head -5; exit 1; fi
  done
  # /tmp/ and /dev/shm/ only as the copy's own folders ({root}/tmp/); the
  # source tree (the fixture's path) may itself be under /tmp, as in a CI clone
  if sed "s#$src##g" "$f" | grep -qP '(?<!\{root\})(/tmp/|/dev/shm/)'; then
    echo "$f holds a temporary path:"; sed "s#$src##g" "$f" | grep -nP '(?<!\{root\})(/tmp/|/dev/shm/)' | head -5; exit 1
  fi
done
cmp 1.xml 2.xml
cmp 1-junit.xml 2-junit.xml
cmp 1.html 2.html
xmllint --noout --schema "$src/reports/report.xsd" 1.xml
echo "temp paths: none in any report; reports identical across runs"
