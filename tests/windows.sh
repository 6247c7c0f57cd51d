#!/usr/bin/env bash
# Runs the Windows test runner (tests/Spawn.Tests.Windows, a self-contained win-x64 xUnit v3
# program) under Wine, and ends with one line "windows: N passed, N failed, N skipped", or
# "windows: skipped (REASON)" where Wine cannot be had.
#   - Wine is installed with apt-get when missing (root and apt-get needed; else the configuration
#     is skipped, saying why).
#   - The Wine prefix is private, under the runner's build output, created on the first run:
#     Windows 10 (a fresh prefix says Windows 7, which .NET 10 refuses), and AeDebug pointing at a
#     debugger that does not exist with Auto=1, so a crash ends the process instead of running
#     winedbg (which would exit 0).
#   - W^X is off (DOTNET_EnableWriteXorExecute=0): with it, .NET under Wine crashes in the GC.
#   - The summary line of the runner is parsed, not only its exit status: under Wine a status
#     reaches the shell cut to 8 bits, and a crash may not show in it at all.
#   - Reflection invokes through emitted code (Switch.System.Reflection.ForceEmitInvoke, in the
#     runner's project): an exception leaving a test through the runtime's native invoke leaves a
#     stale exception frame under Wine 8 that hangs the thread's next exception (see the project).
#   - A runner that crashes or hangs counts as one failure, saying how it ended; it is not run again.
# Extra arguments go to the runner (for example -method "*Kill*").
set -uo pipefail
cd "$(dirname "$0")/.."

project=tests/Spawn.Tests.Windows
output=$project/bin/wine
runner=$output/runner/Spawn.Tests.Windows.exe
export WINEPREFIX="$PWD/$output/prefix"
export WINEDEBUG=-all

# .NET maps its generated code twice (writable, executable); under Wine releasing such a mapping
# corrupts the runtime ("Internal CLR error" when a dynamic method is finalized): map it once.
export DOTNET_EnableWriteXorExecute=0

skip() {
  echo "windows: skipped ($1)"
  exit 0
}

if ! command -v wine >/dev/null 2>&1; then
  echo "== Wine is not installed: installing it (apt-get install wine wine64)"
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine wine64) >/tmp/spawn-wine-install.log 2>&1 \
      || echo "apt-get failed; see /tmp/spawn-wine-install.log"
  fi
  command -v wine >/dev/null 2>&1 || skip "Wine is not installed and could not be installed here (needs root and apt-get)"
fi
case "$(uname -m)" in
  x86_64) ;;
  *) skip "the Windows runner is win-x64; Wine on $(uname -m) cannot run it" ;;
esac

echo "== build the Windows test runner (win-x64, self-contained)"
if ! dotnet publish "$project" -c Release -nologo -v q -o "$output/runner" 2>&1 | grep -E 'error|warn' ; then :; fi
if [ ! -f "$runner" ]; then
  echo "windows: 0 passed, 1 failed, 0 skipped (the runner did not build)"
  exit 1
fi
# The spawn CLI beside it, for the runner's CLI tests (CliTests finds it next to itself).
if ! dotnet publish src/Spawn.Cli -c Release -r win-x64 --self-contained -nologo -v q -o "$output/runner" 2>&1 | grep -E 'error|warn' ; then :; fi

if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "== create the Wine prefix ($WINEPREFIX)"
  mkdir -p "$WINEPREFIX"
  # No Mono or Gecko installers on prefix creation: nothing here needs them. (Only then: with
  # mscoree disabled .NET cannot load its own assemblies.)
  WINEDLLOVERRIDES="mscoree,mshtml=" timeout 300 wineboot -i >/dev/null 2>&1
  aedebug='HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug'
  timeout 60 wine reg add "$aedebug" /v Debugger /t REG_SZ /d 'C:\spawn-no-debugger\none.exe' /f >/dev/null 2>&1
  timeout 60 wine reg add "$aedebug" /v Auto /t REG_SZ /d 1 /f >/dev/null 2>&1
  timeout 60 wine winecfg -v win10 >/dev/null 2>&1
  timeout 60 wineserver -w
fi
version=$(timeout 60 wine cmd /c ver 2>/dev/null | tr -d '\r' | grep -o 'Version [0-9.]*\|[0-9]\+\.[0-9]\+\.[0-9]\+' | head -n 1)
echo "== Windows tests under $(wine --version 2>/dev/null) (prefix reports Windows $version)"

bound=600   # seconds for the runner; a whole run takes 1-3 minutes on a loaded machine
passed=0 failed=0 skipped=0
log=$(mktemp)
timeout "$bound" wine "$runner" -noColor -longRunning 60 "$@" 2>&1 | tr -d '\r' > "$log"
status=${PIPESTATUS[0]}
grep -E 'Long Running|\[(FAIL|SKIP)\]|^\s+(Wine|Assert|Expected|Actual|at Spawn)|^Fatal error|^SuspendThread|Unhandled exception|TEST EXECUTION SUMMARY|Total:' "$log"
summary=$(grep -E 'Total: *[0-9]+, Errors: *[0-9]+, Failed: *[0-9]+, Skipped: *[0-9]+' "$log" | tail -n 1)
fault=$(grep -m 1 -E '^Fatal error|^SuspendThread failed|Unhandled exception 0x' "$log")
rm -f "$log"
# A crashed or killed runner may leave its children: they are in our private prefix, so end
# everything in it (by the prefix, never by name).
if [ -n "$summary" ]; then timeout 60 wineserver -w || timeout 60 wineserver -k; else timeout 60 wineserver -k; fi
note=""
if [ -n "$summary" ]; then
  number() { sed -E "s/.*$1: *([0-9]+).*/\\1/" <<<"$summary"; }
  total=$(number Total) errors=$(number Errors) failed=$(number Failed) skipped=$(number Skipped) notrun=$(number 'Not Run')
  passed=$((total - failed - skipped - notrun))
  failed=$((failed + errors))
else
  failed=1
  if [ "$status" -eq 124 ]; then ending="hung past ${bound}s"; else ending=${fault:-"exit status $status"}; fi
  note=" (the runner ended without its summary: $ending)"
fi
echo "== Windows tests took ${SECONDS}s (build, prefix, runner)"
echo "windows: $passed passed, $failed failed, $skipped skipped$note"
[ "$failed" -eq 0 ]
