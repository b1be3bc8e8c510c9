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

echo "== a wrong expectation fails readably"
first=$(grep -l 'reply="250 OK"' "${files[@]}" | sed -n 1p || true)
fixture=$(grep -o 'fixture="[^"]*"' "$first" | sed -n 1p | sed 's/fixture="\(.*\)"/\1/')
absolute=$(cd "$(dirname "$first")/$fixture" && pwd)
wrong="$work/wrong/zz-wrong-expectation.xml"
mkdir -p "$work/wrong"
sed -e "s#fixture=\"$fixture\"#fixture=\"$absolute\"#" -e '0,/reply="250 OK"/s//reply="250 Not what happened"/' \
  "$first" > "$wrong"
set +e
"$mailflow" replay "$wrong" --report "$work/w.xml" --junit "$work/w-junit.xml" --html "$work/w.html" > "$work/wout" 2> "$work/werr"
rc=$?
set -e
cat "$work/wout" "$work/werr"
[[ $rc -eq 1 ]]
for f in w.xml w-junit.xml w.html; do
  grep -q "250 Not what happened" "$work/$f" || { echo "$f lacks the expected text"; exit 1; }
done
grep -q '<failure' "$work/w-junit.xml"
echo "suite: ok"
