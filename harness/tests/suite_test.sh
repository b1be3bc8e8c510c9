#!/usr/bin/env bash
# The scenario suite as users run it (README's main command): every scenario
# is valid against harness/scenario.xsd, the whole suite passes, the report
# is valid against reports/report.xsd and byte-identical with -j1 and -j2,
# and a deliberately wrong expectation fails with its difference in all
# three reports.
set -euo pipefail
mailflow=$1
src=$2
min_scenarios=${3:-80}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$src"

mapfile -t files < <(find scenarios -name '*.xml' | sort)
echo "== ${#files[@]} scenarios"
(( ${#files[@]} >= min_scenarios )) || { echo "expected at least $min_scenarios scenarios"; exit 1; }
xmllint --noout --schema harness/scenario.xsd "${files[@]}" 2> "$work/lint" || { cat "$work/lint"; exit 1; }

echo "== replay -j1"
"$mailflow" replay scenarios -j1 --report "$work/a.xml" --junit "$work/a-junit.xml" --html "$work/a.html" | tee "$work/out1"
grep -qx "${#files[@]} passed, 0 failed" "$work/out1"
echo "== replay -j2"
"$mailflow" replay scenarios -j2 --report "$work/b.xml" --junit "$work/b-junit.xml" --html "$work/b.html" > "$work/out2"
cmp "$work/a.xml" "$work/b.xml"
cmp "$work/a-junit.xml" "$work/b-junit.xml"
cmp "$work/a.html" "$work/b.html"
xmllint --noout --schema reports/report.xsd "$work/a.xml"
xmllint --noout "$work/a-junit.xml"
echo "reports identical with -j1 and -j2, and valid"

echo "== no password of a credential table in the reports"
# The password field of every credential table of every fixture (manual:
# MAILUSERS.TAB, SMTPAUTH.TAB, CTRLACCOUNTS.TAB, POP3LINKS.TAB, userauth/smtp),
# and smtpauth.tab passwords that scenarios write over a fixture.
secrets=()
field_of() {  # FILE N: the Nth TAB field (1-based) of each line, quotes removed, 6 characters or more
  awk -F'\t+' -v n="$2" '!/^#/ && NF >= n { v = $n; gsub(/"/, "", v); if (length(v) >= 6) print v }' "$1"
}
# (fixtures/mailroots/broken is verify's, with weak passwords such as "password" on purpose)
for root in fixtures/mailroots/hunet/ fixtures/mailroots/conformance/*/; do
  for spec in mailusers.tab:3 smtpauth.tab:2 ctrlaccounts.tab:2 pop3links.tab:5; do
    f="$root${spec%%:*}"
    [[ -f $f ]] && mapfile -t -O "${#secrets[@]}" secrets < <(field_of "$f" "${spec##*:}")
  done
  for f in "$root"userauth/smtp/*.tab; do
    [[ -f $f ]] && mapfile -t -O "${#secrets[@]}" secrets < <(field_of "$f" 3)
  done
done
secrets+=(relaypw)  # scenarios/auth/10-smtpauth-tab-perms.xml
(( ${#secrets[@]} >= 5 )) || { echo "found only ${#secrets[@]} fixture passwords"; exit 1; }
for s in "${secrets[@]}"; do
  for f in a.xml a.html a-junit.xml out1; do
    if grep -qF -- "$s" "$work/$f"; then
      echo "$f holds the password '$s':"; grep -nF -- "$s" "$work/$f" | head -3; exit 1
    fi
  done
done
echo "${#secrets[@]} passwords checked: none in any report"

echo "== a wrong expectation fails readably"
first=$(grep -l 'reply="250 OK"' "${files[@]}" | sed -n 1p || true)
fixture=$(grep -o 'fixture="[^"]*"' "$first" | sed -n 1p | sed 's/fixture="\(.*\)"/\1/')
absolute=$(cd "$(dirname "$first")/$fixture" && pwd)
wrong="$work/wrong/zz-wrong-expectation.xml"
mkdir -p "$work/wrong"
sed -e "s#fixture=\"$fixture\"#fixture=\"$absolute\"#" -e '0,/reply="250 OK"/s//reply="250 Not what happened"/' \
  "$first" > "$wrong"
set +e
"$mailflow" replay "$wrong" --allow-fixtures "$src/fixtures" --report "$work/w.xml" --junit "$work/w-junit.xml" --html "$work/w.html" > "$work/wout" 2> "$work/werr"
rc=$?
set -e
cat "$work/wout" "$work/werr"
[[ $rc -eq 1 ]]
for f in w.xml w-junit.xml w.html; do
  grep -q "250 Not what happened" "$work/$f" || { echo "$f lacks the expected text"; exit 1; }
done
grep -q '<failure' "$work/w-junit.xml"
echo "suite: ok"
