#!/bin/sh
# Re-imports every conformance case with SMTP sessions into
# scenarios/conformance/NNN-name.xml (MailRoots into
# fixtures/mailroots/conformance/NNN-name) and seed 000 into
# scenarios/seed/000-cop-hunet.xml. The scenarios of the deliberate
# differences (README) are edited by hand after import: they are left alone
# unless --force is given (their fixtures are refreshed all the same).
#
# usage: scenarios/conformance/regenerate.sh [--force]
#   MAILFLOW     the binary (default build/mailflow)
#   CONFORMANCE  the conformance folder (default ../shared/conformance)
#   SEEDS        the seeds folder (default ../shared/seeds)
set -eu
cd "$(dirname "$0")/../.."
MAILFLOW=${MAILFLOW:-build/mailflow}
CONFORMANCE=${CONFORMANCE:-../shared/conformance}
SEEDS=${SEEDS:-../shared/seeds}
HAND_EDITED="006 046 048 051 052 087"
# Cases whose SMTP session only serves a POP3/CTRL point: 113's SMTP session
# shows that a mapping just added over CTRL is used at once; without the CTRL
# session it is a plain local delivery (001 covers that).
SKIP="113"
force=${1:-}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for golden in "$CONFORMANCE"/golden/*.json; do
  name=$(basename "$golden" .json)
  case_dir="$CONFORMANCE/cases/$name"
  if ! ls "$case_dir"/*.smtp >/dev/null 2>&1; then
    echo "skip $name: no SMTP session"
    continue
  fi
  if echo " $SKIP " | grep -q " ${name%%-*} "; then
    echo "skip $name: its point is POP3/CTRL"
    continue
  fi
  out="scenarios/conformance/$name.xml"
  for n in $HAND_EDITED; do
    if [ "${name%%-*}" = "$n" ] && [ "$force" != "--force" ] && [ -f "$out" ]; then
      out=$tmp  # keep the hand-edited scenario; refresh the fixture only
    fi
  done
  "$MAILFLOW" import "$golden" --case "$case_dir" --fixtures fixtures/mailroots/conformance -o "$out"
  [ "$out" = "$tmp" ] && echo "kept $name (hand-edited)" || echo "wrote $out"
done

"$MAILFLOW" import "$SEEDS/000_061722b28fbc38f2.txt" --mailroot fixtures/mailroots/hunet --secret copsecret \
  --name 000-cop-hunet -o scenarios/seed/000-cop-hunet.xml
echo "wrote scenarios/seed/000-cop-hunet.xml"
