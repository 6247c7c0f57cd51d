#!/usr/bin/env bash
# The package as a team would adopt it, checked the way a new user would try it:
#   pack          the library package holds both helpers (file says which architecture), the
#                 readme, the licence and the metadata; pack refuses a missing helper unless told
#   runtimes      a publish for win-x64 or osx-arm64 carries nothing Linux-native
#   Native AOT    an app referencing the package only, published Native AOT for linux-x64 with
#                 zero warnings, runs and reports the fast path
#   arm64         the same app published trimmed for linux-arm64, and the spawn CLI, run under
#                 qemu user mode: the portable path (qemu cannot run the fast path)
#   sample        samples/Observability runs and its console exporter prints Spawn's telemetry
# One line per check: "ok   - NAME", "FAIL - NAME: why", or "skip - NAME: why" when a tool it needs
# is missing and cannot be installed. tests/run.sh counts these lines in its closing line.
# Installs what it needs from Debian's packages when missing (as root); says so when it cannot.
# (No "cmd | grep -q" below: with pipefail, grep -q quitting early makes the pipeline fail by SIGPIPE.)
set -uo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d "${TMPDIR:-/tmp}/spawn-packaging.XXXXXX")
version_prefix=$(sed -n 's|.*<VersionPrefix>\(.*\)</VersionPrefix>.*|\1|p' Directory.Build.props)
# A version of its own per run, so that no copy of an earlier package in the NuGet cache is used.
version="$version_prefix-check.$(date +%s).$$"
global_packages=$(dotnet nuget locals global-packages --list 2>/dev/null | sed -n 's/^global-packages: *//p')
cleanup() {
  rm -rf "$work"
  [ -n "$global_packages" ] && rm -rf "$global_packages/spawn/$version" "$global_packages/spawn.cli/$version"
}
trap cleanup EXIT

ok() { echo "ok   - $1"; }
fail() { echo "FAIL - $1: $2"; }
skip() { echo "skip - $1: $2"; }
# The last lines of a log, indented, for a failure's context.
tail_of() { tail -n "${2:-15}" "$1" | sed 's/^/    /'; }
elapsed() { echo "    ($(( $(date +%s) - $1 )) s)"; }

# --- tools ---------------------------------------------------------------------------------------
arm64_sysroot=/usr/aarch64-linux-gnu
missing=()
command -v file >/dev/null || missing+=(file)
command -v unzip >/dev/null || missing+=(unzip)
command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
[ -e "$arm64_sysroot/lib/ld-linux-aarch64.so.1" ] || missing+=(libc6-arm64-cross)
install_problem=""
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing from Debian's packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    install_problem="not root, so apt-get cannot install ${missing[*]}"
  elif ! command -v apt-get >/dev/null; then
    install_problem="no apt-get here to install ${missing[*]}"
  elif ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$work/apt.log" 2>&1; then
    install_problem="apt-get install ${missing[*]} failed: $(tail -n 1 "$work/apt.log")"
  fi
  [ -n "$install_problem" ] && echo "cannot install what the checks need: $install_problem"
fi
have() { command -v "$1" >/dev/null; }
have_cross() { have aarch64-linux-gnu-gcc; }
have_qemu() { have qemu-aarch64-static && [ -e "$arm64_sysroot/lib/ld-linux-aarch64.so.1" ]; }
missing_reason() { echo "${install_problem:-$1 is missing}"; }

# --- pack: a missing helper is refused, or reported when allowed ---------------------------------
name="pack fails when a packed helper cannot be built"
start=$(date +%s)
if dotnet pack src/Spawn -c Release -nologo -o "$work/refused" -p:SpawnNativeCompilerLinuxArm64=no-such-cc >"$work/refused.log" 2>&1; then
  fail "$name" "dotnet pack succeeded without the linux-arm64 helper"; tail_of "$work/refused.log"
elif ! grep -q "cannot pack: the native helper was not built for linux-arm64" "$work/refused.log"; then
  fail "$name" "pack failed, but not with the missing-helper message"; tail_of "$work/refused.log"
elif ls "$work/refused"/*.nupkg >/dev/null 2>&1; then
  fail "$name" "a package was written anyway"
else
  ok "$name"
fi
elapsed "$start"

name="pack without a helper, when opted out, says so in the description"
start=$(date +%s)
if ! dotnet pack src/Spawn -c Release -nologo -o "$work/optout" -p:SpawnNativeCompilerLinuxArm64=no-such-cc -p:SpawnPackWithoutNative=true >"$work/optout.log" 2>&1; then
  fail "$name" "pack failed"; tail_of "$work/optout.log"
elif ! have unzip; then
  skip "$name" "$(missing_reason unzip)"
elif ! grep -q "built without the native helper for linux-arm64" <<<"$(unzip -p "$work"/optout/Spawn.*.nupkg Spawn.nuspec)"; then
  fail "$name" "the description does not say the linux-arm64 helper is missing"
elif grep -q "runtimes/linux-arm64/" <<<"$(unzip -l "$work"/optout/Spawn.*.nupkg)"; then
  fail "$name" "the package has a runtimes/linux-arm64 folder"
else
  ok "$name"
fi
elapsed "$start"

# --- pack: the real packages ---------------------------------------------------------------------
name="library package: both helpers (right architectures), readme, licence, metadata, symbols"
start=$(date +%s)
package_ok=false
x64_package_only=false
if ! have_cross; then
  skip "$name" "$(missing_reason "the aarch64 cross compiler (gcc-aarch64-linux-gnu)")"
  # The x86-64 checks below can still use a package without the arm64 helper.
  dotnet pack src/Spawn -c Release -nologo -o "$work/packages" --version-suffix "${version#"$version_prefix"-}" \
    -p:SpawnPackWithoutNative=true >"$work/pack.log" 2>&1 && x64_package_only=true
elif ! have unzip || ! have file; then
  skip "$name" "$(missing_reason "unzip or file")"
elif ! dotnet pack src/Spawn -c Release -nologo -o "$work/packages" --version-suffix "${version#"$version_prefix"-}" >"$work/pack.log" 2>&1; then
  fail "$name" "dotnet pack failed"; tail_of "$work/pack.log"
else
  nupkg="$work/packages/Spawn.$version.nupkg"
  unzip -l "$nupkg" >"$work/contents.txt"
  sed 's/^/    /' "$work/contents.txt" | grep -E "runtimes/|README|LICENSE|CHANGELOG|\.dll"
  problems=()
  for entry in runtimes/linux-x64/native/libspawn_native.so runtimes/linux-arm64/native/libspawn_native.so runtimes/linux-x64/native/spawn-exec runtimes/linux-arm64/native/spawn-exec README.md LICENSE CHANGELOG.md lib/net10.0/Spawn.dll lib/net10.0/Spawn.xml; do
    grep -q " $entry\$" "$work/contents.txt" || problems+=("no $entry")
  done
  # Nothing native outside runtimes/<rid>/native/.
  grep -E "\.so$" "$work/contents.txt" >"$work/native.txt"
  grep -vqE " runtimes/linux-(x64|arm64)/native/libspawn_native\.so$" "$work/native.txt" && problems+=("a native library outside runtimes/<rid>/native/")
  unzip -o -q "$nupkg" 'runtimes/*' -d "$work/unpacked"
  x64=$(file -b "$work/unpacked/runtimes/linux-x64/native/libspawn_native.so" 2>&1)
  arm64=$(file -b "$work/unpacked/runtimes/linux-arm64/native/libspawn_native.so" 2>&1)
  echo "    linux-x64:   $x64"
  echo "    linux-arm64: $arm64"
  [[ $x64 == *"x86-64"* ]] || problems+=("the linux-x64 helper is not x86-64")
  [[ $arm64 == *"ARM aarch64"* ]] || problems+=("the linux-arm64 helper is not aarch64")
  # spawn-exec (StartOptions.ExactPeakMemory): a static program per runtime.
  x64_exec=$(file -b "$work/unpacked/runtimes/linux-x64/native/spawn-exec" 2>&1)
  arm64_exec=$(file -b "$work/unpacked/runtimes/linux-arm64/native/spawn-exec" 2>&1)
  echo "    linux-x64 spawn-exec:   $x64_exec"
  echo "    linux-arm64 spawn-exec: $arm64_exec"
  [[ $x64_exec == *"x86-64"*"statically linked"* ]] || problems+=("the linux-x64 spawn-exec is not a static x86-64 program")
  [[ $arm64_exec == *"ARM aarch64"*"statically linked"* ]] || problems+=("the linux-arm64 spawn-exec is not a static aarch64 program")
  nuspec=$(unzip -p "$nupkg" Spawn.nuspec)
  for field in '<license type="expression">MIT</license>' '<readme>README.md</readme>' '<authors>Spawn contributors</authors>' '<tags>' '<releaseNotes>' '<repository type="git"'; do
    grep -qF "$field" <<<"$nuspec" || problems+=("nuspec lacks $field")
  done
  grep -q "<description>Start, watch, signal and reap" <<<"$nuspec" || problems+=("nuspec lacks the description")
  [ -f "$work/packages/Spawn.$version.snupkg" ] || problems+=("no symbols package (.snupkg)")
  if [ ${#problems[@]} -eq 0 ]; then
    ok "$name"; package_ok=true
  else
    fail "$name" "$(IFS=';'; echo "${problems[*]}")"
  fi
fi
elapsed "$start"

name="CLI package: tool, readme, licence, metadata"
start=$(date +%s)
if ! have unzip; then
  skip "$name" "$(missing_reason unzip)"
elif ! dotnet pack src/Spawn.Cli -c Release -nologo -o "$work/cli-package" --version-suffix "${version#"$version_prefix"-}" >"$work/cli-pack.log" 2>&1; then
  fail "$name" "dotnet pack failed"; tail_of "$work/cli-pack.log"
else
  cli_nupkg="$work/cli-package/Spawn.Cli.$version.nupkg"
  cli_nuspec=$(unzip -p "$cli_nupkg" Spawn.Cli.nuspec)
  cli_contents=$(unzip -l "$cli_nupkg")
  problems=()
  grep -q " README.md$" <<<"$cli_contents" || problems+=("no README.md")
  grep -q " LICENSE$" <<<"$cli_contents" || problems+=("no LICENSE")
  grep -q " tools/net10.0/any/Spawn.Cli.dll$" <<<"$cli_contents" || problems+=("no tools/net10.0/any/Spawn.Cli.dll")
  grep -q " tools/net10.0/any/spawn-exec$" <<<"$cli_contents" || problems+=("no tools/net10.0/any/spawn-exec (--stats' exact peak memory)")
  for field in '<license type="expression">MIT</license>' '<readme>README.md</readme>' '<packageType name="DotnetTool"' "<version>$version</version>"; do
    grep -qF "$field" <<<"$cli_nuspec" || problems+=("nuspec lacks $field")
  done
  if [ ${#problems[@]} -eq 0 ]; then ok "$name"; else fail "$name" "$(IFS=';'; echo "${problems[*]}")"; fi
fi
elapsed "$start"

name="CLI package installs as a dotnet tool: spawn runs, --stats gives the program's own peak memory"
start=$(date +%s)
if [ ! -f "${cli_nupkg:-}" ]; then
  skip "$name" "no CLI package (see above)"
elif ! dotnet tool install --tool-path "$work/tool" --add-source "$work/cli-package" --version "$version" Spawn.Cli >"$work/tool-install.log" 2>&1; then
  fail "$name" "dotnet tool install failed"; tail_of "$work/tool-install.log"
elif ! "$work/tool/spawn" run --stats -- true 2>"$work/tool-run.log"; then
  fail "$name" "spawn run -- true failed"; tail_of "$work/tool-run.log"
elif ! grep -qE "max rss [0-7]\.[0-9] MiB(;|$)" "$work/tool-run.log"; then
  fail "$name" "no small peak for true: $(tail -n 1 "$work/tool-run.log")"
else
  sed 's/^/    /' "$work/tool-run.log"; ok "$name"
fi
elapsed "$start"

# --- other runtimes get nothing Linux-native -----------------------------------------------------
for rid in win-x64 osx-arm64; do
  name="publish for $rid carries nothing Linux-native"
  start=$(date +%s)
  if ! dotnet publish src/Spawn.Cli -c Release -nologo -r "$rid" --self-contained false -p:UseAppHost=false -o "$work/publish-$rid" >"$work/publish-$rid.log" 2>&1; then
    fail "$name" "dotnet publish failed"; tail_of "$work/publish-$rid.log"
  elif native=$(find "$work/publish-$rid" -name '*.so') && [ -n "$native" ]; then
    fail "$name" "found $(tr '\n' ' ' <<<"$native")"
  elif ! grep -q "no native helper for $rid" "$work/publish-$rid.log"; then
    fail "$name" "the build did not say it has no helper for $rid"
  else
    ok "$name"
  fi
  elapsed "$start"
done

# --- an app on the package: Native AOT on linux-x64 ----------------------------------------------
smoke_project=tests/Packaging/SmokeApp/SmokeApp.csproj
smoke_properties=(-p:SpawnPackageSource="$work/packages" -p:SpawnPackageVersion="$version")

name="Native AOT publish of an app on the package, zero warnings"
start=$(date +%s)
aot_ok=false
if [ "$package_ok" != true ] && [ "$x64_package_only" != true ]; then
  skip "$name" "no package to reference (see the library package check)"
elif ! dotnet publish "$smoke_project" -c Release -nologo -r linux-x64 -p:PublishAot=true "${smoke_properties[@]}" -o "$work/aot" >"$work/aot.log" 2>&1; then
  fail "$name" "dotnet publish failed"; tail_of "$work/aot.log" 25
elif grep -qiE ": warning [A-Z]+[0-9]+" "$work/aot.log"; then
  fail "$name" "$(grep -ciE ": warning [A-Z]+[0-9]+" "$work/aot.log") warnings"; grep -iE ": warning" "$work/aot.log" | head -n 10 | sed 's/^/    /'
elif [ ! -f "$work/aot/libspawn_native.so" ] || [[ $(file -b "$work/aot/libspawn_native.so") != *"x86-64"* ]]; then
  fail "$name" "the x86-64 helper is not next to the executable"
elif [ ! -f "$work/aot/spawn-exec" ]; then
  fail "$name" "spawn-exec is not next to the executable"
else
  ok "$name"; aot_ok=true
fi
elapsed "$start"

name="Native AOT app runs on the fast path (LinuxClone)"
start=$(date +%s)
if [ "$aot_ok" != true ]; then
  skip "$name" "no Native AOT build (see above)"
elif ! SPAWN_PORTABLE= timeout 120 "$work/aot/SmokeApp" --expect-path LinuxClone >"$work/aot-run.log" 2>&1; then
  fail "$name" "the app failed"; tail_of "$work/aot-run.log"
else
  sed 's/^/    /' "$work/aot-run.log"; ok "$name"
fi
elapsed "$start"

# --- arm64 under qemu user mode ------------------------------------------------------------------
qemu_note="qemu user mode cannot run Spawn's fast path (it refuses CLONE_VM|CLONE_VFORK|CLONE_FILES, turns vfork into fork, and has no clone3), so these arm64 checks cover the portable path only; the fast path is opt-in on arm64 until it has run on arm64 hardware"
run_arm64() { QEMU_LD_PREFIX="$arm64_sysroot" timeout 180 qemu-aarch64-static "$@"; }

name="trimmed linux-arm64 publish of the app on the package, zero warnings, aarch64 helper"
start=$(date +%s)
trimmed_ok=false
if [ "$package_ok" != true ]; then
  skip "$name" "no package to reference (see the library package check)"
elif ! dotnet publish "$smoke_project" -c Release -nologo -r linux-arm64 --self-contained -p:PublishTrimmed=true "${smoke_properties[@]}" -o "$work/arm64" >"$work/arm64.log" 2>&1; then
  fail "$name" "dotnet publish failed"; tail_of "$work/arm64.log" 25
elif grep -qiE ": warning [A-Z]+[0-9]+" "$work/arm64.log"; then
  fail "$name" "$(grep -ciE ": warning [A-Z]+[0-9]+" "$work/arm64.log") warnings"; grep -iE ": warning" "$work/arm64.log" | head -n 10 | sed 's/^/    /'
elif [[ $(file -b "$work/arm64/libspawn_native.so" 2>&1) != *"ARM aarch64"* ]]; then
  fail "$name" "the helper next to the app is not aarch64: $(file -b "$work/arm64/libspawn_native.so" 2>&1)"
else
  ok "$name"; trimmed_ok=true
fi
elapsed "$start"

echo "    note: $qemu_note"
name="arm64 app under qemu: start, capture, exit codes, timeout, epoll-driven waits (portable path)"
start=$(date +%s)
if [ "$trimmed_ok" != true ]; then
  skip "$name" "no arm64 build (see above)"
elif ! have_qemu; then
  skip "$name" "$(missing_reason "qemu-user-static or the arm64 libc (libc6-arm64-cross)")"
elif ! run_arm64 "$work/arm64/SmokeApp" --expect-path portable >"$work/arm64-run.log" 2>&1; then
  fail "$name" "the app failed under qemu"; tail_of "$work/arm64-run.log"
else
  sed 's/^/    /' "$work/arm64-run.log"; ok "$name"
fi
elapsed "$start"

name="arm64 helper loads and passes its probe under qemu when the fast path is opted into"
start=$(date +%s)
if [ "$trimmed_ok" != true ]; then
  skip "$name" "no arm64 build (see above)"
elif ! have_qemu; then
  skip "$name" "$(missing_reason "qemu-user-static or the arm64 libc (libc6-arm64-cross)")"
elif ! SPAWN_ARM64_FAST_PATH=1 run_arm64 "$work/arm64/SmokeApp" --path-only >"$work/arm64-optin.log" 2>&1; then
  fail "$name" "the app failed under qemu"; tail_of "$work/arm64-optin.log"
elif ! grep -q "spawn path LinuxClone" "$work/arm64-optin.log"; then
  fail "$name" "the fast path was not chosen"; tail_of "$work/arm64-optin.log"
else
  # Only the choice is checked: starting a child this way is what qemu refuses (EINVAL).
  sed 's/^/    /' "$work/arm64-optin.log"; ok "$name"
fi
elapsed "$start"

name="arm64 spawn CLI under qemu: exit statuses, timeout, spawn wait (portable path)"
start=$(date +%s)
if ! have_cross; then
  skip "$name" "$(missing_reason "the aarch64 cross compiler (gcc-aarch64-linux-gnu)")"
elif ! have_qemu; then
  skip "$name" "$(missing_reason "qemu-user-static or the arm64 libc (libc6-arm64-cross)")"
elif ! dotnet publish src/Spawn.Cli -c Release -nologo -r linux-arm64 --self-contained -o "$work/cli-arm64" >"$work/cli-arm64.log" 2>&1; then
  fail "$name" "dotnet publish failed"; tail_of "$work/cli-arm64.log"
elif [[ $(file -b "$work/cli-arm64/libspawn_native.so" 2>&1) != *"ARM aarch64"* ]]; then
  fail "$name" "the helper next to the CLI is not aarch64: $(file -b "$work/cli-arm64/libspawn_native.so" 2>&1)"
else
  spawn_cli="$work/cli-arm64/Spawn.Cli"
  problems=()
  expect_status() {
    local expected=$1; shift
    run_arm64 "$spawn_cli" "$@" >>"$work/cli-arm64-run.log" 2>&1
    local status=$?
    echo "    spawn $* -> $status" | tee -a "$work/cli-arm64-run.log"
    [ "$status" -eq "$expected" ] || problems+=("spawn $* gave $status, not $expected")
  }
  expect_status 0 run -- true
  expect_status 3 run -- sh -c 'exit 3'
  expect_status 124 run --timeout 1s -- sleep 30
  expect_status 127 run -- /no/such/program
  expect_status 143 run -- sh -c 'kill -TERM $$'
  # Usually outlasts the emulated runtime's start-up; on a loaded machine it may not, and --exited
  # (waitpid's -e) then accepts a PID that is already gone, so the status is 0 either way.
  sleep 15 &
  sleeper=$!
  expect_status 0 wait --exited --timeout 30 "$sleeper"
  wait "$sleeper" 2>/dev/null
  if [ ${#problems[@]} -eq 0 ]; then ok "$name"; else fail "$name" "$(IFS=';'; echo "${problems[*]}")"; tail_of "$work/cli-arm64-run.log"; fi
fi
elapsed "$start"

# --- the observability sample (docs/observability.md) builds, runs and shows Spawn's telemetry ---
# Not in the solution (it needs the OpenTelemetry packages); run here so that it cannot rot.
name="observability sample: OpenTelemetry's console exporter prints Spawn's spans and metrics"
start=$(date +%s)
if ! dotnet run --project samples/Observability -c Release >"$work/sample.log" 2>&1; then
  fail "$name" "dotnet run failed"; tail_of "$work/sample.log"
else
  problems=()
  for expected in "Activity.DisplayName: *uname" "process.command_args: \[\"echo\"" "spawn.outcome: timeout" "error.type: ENOENT" \
    "Metric Name: spawn.process.starts" "Metric Name: spawn.process.exits" "Metric Name: spawn.process.cpu.time" \
    "Metric Name: spawn.process.count" "Metric Name: spawn.output.captured"; do
    grep -E -q -- "$expected" "$work/sample.log" || problems+=("no '$expected' in its output")
  done
  if [ ${#problems[@]} -eq 0 ]; then ok "$name"; else fail "$name" "$(IFS=';'; echo "${problems[*]}")"; tail_of "$work/sample.log"; fi
fi
elapsed "$start"
