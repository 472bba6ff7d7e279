#!/usr/bin/env bash
# scripts/install.sh and --uninstall into a temporary prefix (as root: setcap; no lab, no packet):
#   - an install puts the binary (with cap_net_raw,cap_net_admin+ep), the man page, the completion and its
#     manifest (PREFIX/share/synscan/install_manifest.txt) in place; --uninstall removes exactly those files
#     and leaves a file of another package in the same directories;
#   - SYNSCAN_GROUP naming no group, and a filesystem that refuses file capabilities (a setcap that fails), stop
#     the install before any file is installed (issue 22, item 8: a first install left a binary without
#     capabilities); a setcap that fails only on the installed binary removes what was installed.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

((EUID == 0)) || skip "not root: install.sh sets file capabilities"
command -v setcap >/dev/null || fail "setcap missing (libcap2-bin; scripts/install-deps.sh)"
build_dir=${SYNSCAN_BUILD_DIR:-$SYNSCAN_SOURCE_DIR/build}
[[ -f $build_dir/CMakeCache.txt ]] || fail "no build directory at $build_dir"
install_sh=$SYNSCAN_SOURCE_DIR/scripts/install.sh
prefix=$E2E_WORK/prefix

# install ARGS...: scripts/install.sh ARGS with this build; its stderr in $E2E_WORK/install.err.
install() { BUILD_DIR=$build_dir "$install_sh" "$@" 2>"$E2E_WORK/install.err"; }
# files_under DIR: the regular files under DIR, sorted (none when DIR is missing).
files_under() { [[ ! -d $1 ]] || find "$1" -type f | sort; }

log "install into $prefix"
install "$prefix" || fail "install.sh failed: $(cat "$E2E_WORK/install.err")"
want=$(printf '%s\n' "$prefix/bin/synscan" "$prefix/share/bash-completion/completions/synscan" \
  "$prefix/share/man/man1/synscan.1" "$prefix/share/synscan/install_manifest.txt" | sort)
[[ $(files_under "$prefix") == "$want" ]] || fail "installed files: $(files_under "$prefix"), want: $want"
getcap "$prefix/bin/synscan" | grep -Eq 'cap_net_(admin,cap_net_raw|raw,cap_net_admin)=ep' ||
  fail "no capabilities on the installed binary: $(getcap "$prefix/bin/synscan")"
"$prefix/bin/synscan" --version >/dev/null || fail "the installed binary does not run"
grep -q '^\.TH SYNSCAN 1' "$prefix/share/man/man1/synscan.1" || fail "the installed man page is not synscan(1)"
# bash-completion finds the installed file by its directory (XDG_DATA_DIRS: /usr/local/share for the default
# prefix) when synscan is first completed.
loaded=$(XDG_DATA_DIRS=$prefix/share bash -c 'source /usr/share/bash-completion/bash_completion &&
  __load_completion synscan && complete -p synscan' 2>&1) || true
[[ $loaded == "complete -F _synscan synscan" ]] || fail "bash-completion does not load the installed file: $loaded"
manifest=$prefix/share/synscan/install_manifest.txt
[[ $(sort "$manifest") == "$want" ]] || fail "manifest: $(cat "$manifest"), want: $want"

log "--uninstall removes what install put there, and nothing else"
echo other >"$prefix/bin/other-tool"
install --uninstall "$prefix" || fail "install.sh --uninstall failed: $(cat "$E2E_WORK/install.err")"
[[ $(files_under "$prefix") == "$prefix/bin/other-tool" ]] ||
  fail "after --uninstall: $(files_under "$prefix"), want only $prefix/bin/other-tool"
rc=0
install --uninstall "$prefix" || rc=$?
if ((rc != 1)) || ! grep -q 'no install manifest' "$E2E_WORK/install.err"; then
  fail "a second --uninstall exited $rc: $(cat "$E2E_WORK/install.err")"
fi
rm -rf -- "$prefix"

log "SYNSCAN_GROUP naming no group: nothing installed"
rc=0
SYNSCAN_GROUP=synscan-no-such-group install "$prefix" || rc=$?
((rc == 1)) || fail "install with a missing group exited $rc"
grep -q "group 'synscan-no-such-group' does not exist" "$E2E_WORK/install.err" ||
  fail "no error naming the group: $(cat "$E2E_WORK/install.err")"
[[ -z $(files_under "$prefix") ]] || fail "files installed despite the missing group: $(files_under "$prefix")"

# A setcap that refuses the files matching the pattern FAIL_ON ('*': a filesystem without file capabilities),
# else runs the real one.
fake=$E2E_WORK/fakebin
mkdir -p "$fake"
REAL_SETCAP=$(command -v setcap)
export REAL_SETCAP
cat >"$fake/setcap" <<'EOF'
#!/bin/sh
if [ -n "${FAIL_ON:-}" ]; then
  case "$2" in $FAIL_ON) echo "setcap: Operation not supported" >&2; exit 1 ;; esac
fi
exec "$REAL_SETCAP" "$@"
EOF
chmod 755 "$fake/setcap"

log "a destination that refuses file capabilities: nothing installed"
rc=0
PATH=$fake:$PATH FAIL_ON='*' install "$prefix" || rc=$?
((rc == 1)) || fail "install onto a filesystem without capabilities exited $rc"
grep -q 'nothing installed' "$E2E_WORK/install.err" || fail "error: $(cat "$E2E_WORK/install.err")"
[[ -z $(files_under "$prefix") ]] || fail "files installed despite setcap failing: $(files_under "$prefix")"

log "setcap failing on the installed binary: what was installed is removed"
rc=0
PATH=$fake:$PATH FAIL_ON='*/bin/synscan' install "$prefix" || rc=$?
((rc == 1)) || fail "install whose last setcap fails exited $rc: $(cat "$E2E_WORK/install.err")"
[[ -z $(files_under "$prefix") ]] || fail "left behind after a failed install: $(files_under "$prefix")"
log "ok"
