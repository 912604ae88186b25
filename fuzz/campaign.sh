#!/usr/bin/env bash
# Runs the fuzz targets of fuzz/ one after the other (the machine is shared:
# never two at once) and prints, for each, its last progress line and
# whether it passed. Logs go to $FUZZ_LOGS (default: a fresh temporary
# directory). Usage, from anywhere in the repository:
#
#   fuzz/campaign.sh [fuzztime] [target regexp]
#   fuzz/campaign.sh 60s
#   fuzz/campaign.sh 5m 'Join'
#
# A failing input is left in testdata/fuzz/<Target>/ of its package: report
# it, and do not commit it while it fails (see fuzz/README.md).
set -u
cd "$(dirname "$0")/.."
fuzztime=${1:-60s}
pattern=${2:-.}
logs=${FUZZ_LOGS:-$(mktemp -d)}
mkdir -p "$logs"
status=0
for pkg in $(go list ./fuzz/...); do
	for t in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' | grep -E -- "$pattern"); do
		log="$logs/$t.log"
		start=$(date +%s)
		if go test -run '^$' -fuzz "^$t\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1; then
			result=pass
		else
			result=FAIL
			status=1
		fi
		last=$(grep 'execs:' "$log" | tail -n 1)
		echo "$result $t ($pkg) $(($(date +%s) - start))s: ${last:-no progress line}"
	done
done
echo "logs in $logs"
exit $status
