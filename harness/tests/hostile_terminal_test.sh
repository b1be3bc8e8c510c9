#!/usr/bin/env bash
# Issue 10, item 10: what a hostile server says never reaches the terminal or
# a report raw. `replay --target` against the scripted server's HOSTILE verb
# (ESC sequences, a bell, backspaces, C1 CSI, U+202E and other bidi controls)
# and a failing raw step of 300 kB: the terminal output holds no control byte
# but LF and no bidi control, the failure heading is cut to a line, the XML
# and HTML reports hold no bidi control and no C0 control but TAB/LF/CR, the
# XML is valid against reports/report.xsd, and two runs give the same bytes.
set -euo pipefail
mailflow=$1
src=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT

source "$here/lib.sh"
start_scripted_server "$work"

big=$(head -c 300000 /dev/zero | tr '\0' 'x')
cat > "$work/hostile.xml" <<EOF2
<scenario xmlns="urn:mailflow:scenario:1" name="hostile">
  <description>a reply full of terminal escapes &#x202E;and a bidi override</description>
  <mailroot fixture="$src/fixtures/mailroots/hunet"/>
  <session>
    <greeting code="220"/>
    <send line="HOSTILE" code="250"/>
    <raw bytes="NOOP $big\r\n" code="599"/>
    <raw bytes="NOOP \x1B[2J\x1B]0;title\x07\r\n" code="599"/>
    <send line="QUIT" code="221"/>
  </session>
</scenario>
EOF2

run() {  # N: one run, its outputs under $work/N.*
  set +e
  "$mailflow" replay --target "127.0.0.1:$port" "$work/hostile.xml" --allow-fixtures "$src/fixtures" \
    --report "$work/$1.xml" --junit "$work/$1-junit.xml" --html "$work/$1.html" > "$work/$1.out" 2> "$work/$1.err"
  local rc=$?
  set -e
  [[ $rc -eq 1 ]] || { echo "run $1: expected exit 1, got $rc"; head -c 2000 "$work/$1.err"; exit 1; }
}
run 1
run 2
head -c 3000 "$work/1.err"; echo

python3 - "$work" <<'PY'
import re, sys
work = sys.argv[1]
bidi = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
def text(name):
    return open(f"{work}/{name}", "rb").read()
problems = []
for name in ("1.out", "1.err"):
    data = text(name)
    bad = sorted({b for b in data if (b < 0x20 and b != 0x0A) or b == 0x7F})
    if bad: problems.append(f"{name}: raw control bytes {[hex(b) for b in bad]}")
    s = data.decode("utf-8", "replace")
    if bidi.search(s): problems.append(f"{name}: a raw bidi control")
    if re.search("[\u0080-\u009f]", s): problems.append(f"{name}: a raw C1 control")
err = text("1.err")
if len(err) > 20000: problems.append(f"1.err: {len(err)} bytes; the 300 kB step must not be printed whole")
if b"bytes more)" not in err: problems.append("1.err: the long heading is not cut")
if b"\\x1B[2J" not in err: problems.append("1.err: the ESC is not shown as \\x1B")
if b"\\u{202E}" not in err: problems.append("1.err: U+202E is not shown as \\u{202E}")
for name in ("1.xml", "1.html", "1-junit.xml"):
    data = text(name)
    s = data.decode("utf-8")  # must be valid UTF-8
    if bidi.search(s): problems.append(f"{name}: a raw bidi control")
    bad = sorted({b for b in data if b < 0x20 and b not in (0x09, 0x0A, 0x0D)})
    if bad: problems.append(f"{name}: raw C0 controls {[hex(b) for b in bad]}")
    if b"\\u{202E}" not in data: problems.append(f"{name}: U+202E is not shown as \\u{{202E}}")
for p in problems: print("FAIL", p)
sys.exit(1 if problems else 0)
PY
xmllint --noout --schema "$src/reports/report.xsd" "$work/1.xml"
xmllint --noout "$work/1-junit.xml"
cmp "$work/1.xml" "$work/2.xml"
cmp "$work/1.html" "$work/2.html"
cmp "$work/1-junit.xml" "$work/2-junit.xml"
echo "hostile server: nothing raw on the terminal or in the reports"
