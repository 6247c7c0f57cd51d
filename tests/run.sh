#!/usr/bin/env bash
# Runs the whole test suite once per configuration Spawn must work in, and prints one closing
# line "N passed, N failed[, N skipped]" summed over all of them.
#   handle mode (pidfd)            : the default
#   PID mode (SPAWN_PIDFD=0)       : as where pidfd is missing or forbidden
#   portable spawn path            : posix_spawn instead of the Linux fast path (SPAWN_PORTABLE=1)
# then the Windows test runner under Wine (tests/windows.sh: installs Wine when missing, skips the
# configuration saying why where it cannot; SPAWN_WINDOWS_TESTS=0 leaves it out), then the package
# checks (tests/Packaging/check.sh: pack, other runtimes, Native AOT, arm64 under qemu), each counted
# as one test. Extra arguments go to `dotnet test` (for example --filter FullyQualifiedName~PidReuse)
# and leave the Windows tests and the package checks out, as SPAWN_WINDOWS_TESTS=0 and
# SPAWN_PACKAGE_CHECKS=0 do.
set -uo pipefail
cd "$(dirname "$0")/.."

configurations=(
  "handle mode|"
  "PID mode|SPAWN_PIDFD=0"
  "portable spawn path|SPAWN_PORTABLE=1"
)

# GNU time (/usr/bin/time), which the peak-memory tests compare against: installed from Debian's
# packages when missing and we can (as root); without it those tests are skipped, saying why.
if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing GNU time (Debian package time)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time; } >/dev/null 2>&1 \
    || echo "could not install GNU time: the tests that compare with it are skipped"
fi

echo "== build"
if ! dotnet build tests/Spawn.Tests -c Release -nologo -v q 2>&1 | tail -n 3; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

total_passed=0 total_failed=0 total_skipped=0 status=0
for configuration in "${configurations[@]}"; do
  name=${configuration%%|*}
  settings=${configuration#*|}
  echo "== tests, $name${settings:+ ($settings)}"
  log=$(mktemp)
  # shellcheck disable=SC2086
  env $settings dotnet test tests/Spawn.Tests -c Release --no-build -nologo "$@" 2>&1 | tee "$log" | awk '
    # A failure shows its whole message (up to 20 lines: a scenario run in a child program prints
    # what went wrong after the first line), then the first lines of its stack; a skip its reason.
    /^[[:space:]]*Error Message:/ { print; message = 20; next }
    /^[[:space:]]*Stack Trace:/ { message = 0; print; stack = 4; next }
    message > 0 { print; message--; next }
    stack > 0 { print; stack--; next }
    /^[[:space:]]*(Failed|Skipped) |Passed!|Failed!|SKIPPED/ { print; after = 1; next }
    after > 0 { print; after--; next }'
  summary=$(grep -E '(Passed|Failed)! +- ' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$summary" ]; then
    echo "no test summary for $name: the test run itself failed"
    total_failed=$((total_failed + 1)); status=1
    continue
  fi
  passed=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")
  failed=$(sed -E 's/.*Failed: *([0-9]+),.*/\1/' <<<"$summary")
  skipped=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$summary")
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed)); total_skipped=$((total_skipped + skipped))
  [ "$failed" -eq 0 ] || status=1
done

if [ $# -gt 0 ] || [ "${SPAWN_WINDOWS_TESTS:-1}" = 0 ]; then
  echo "== Windows tests under Wine left out (test arguments given, or SPAWN_WINDOWS_TESTS=0)"
else
  echo "== tests, Windows under Wine (tests/windows.sh)"
  log=$(mktemp)
  bash tests/windows.sh 2>&1 | tee "$log"
  summary=$(grep -E '^windows: ' "$log" | tail -n 1)
  rm -f "$log"
  if [[ "$summary" =~ ^windows:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped ]]; then
    total_passed=$((total_passed + BASH_REMATCH[1])); total_failed=$((total_failed + BASH_REMATCH[2])); total_skipped=$((total_skipped + BASH_REMATCH[3]))
    [ "${BASH_REMATCH[2]}" -eq 0 ] || status=1
  elif [[ "$summary" =~ ^windows:\ skipped ]]; then
    total_skipped=$((total_skipped + 1))
  else
    echo "no summary from the Windows tests: they failed to run"
    total_failed=$((total_failed + 1)); status=1
  fi
fi

if [ $# -gt 0 ] || [ "${SPAWN_PACKAGE_CHECKS:-1}" = 0 ]; then
  echo "== package checks left out (test arguments given, or SPAWN_PACKAGE_CHECKS=0)"
else
  echo "== package checks (tests/Packaging/check.sh)"
  log=$(mktemp)
  bash tests/Packaging/check.sh 2>&1 | tee "$log"
  passed=$(grep -c '^ok   - ' "$log")
  failed=$(grep -c '^FAIL - ' "$log")
  skipped=$(grep -c '^skip - ' "$log")
  rm -f "$log"
  if [ $((passed + failed + skipped)) -eq 0 ]; then
    echo "the package checks reported nothing: they failed to run"
    failed=1
  fi
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed)); total_skipped=$((total_skipped + skipped))
  [ "$failed" -eq 0 ] || status=1
fi

if [ "$total_skipped" -gt 0 ]; then
  echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
else
  echo "$total_passed passed, $total_failed failed"
fi
exit $status
