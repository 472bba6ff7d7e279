#!/usr/bin/env bash
# README, the man page and --help agree (issue 15: the man page's TARGET line lacked hostnames, its SYNOPSIS
# lacked `synscan merge`, its EXIT STATUS was shorter than README's). --help and the man page are generated from
# one source (the options description and cli/usage_text.hpp); this checks the generated text has every part,
# and that README, written by hand, says the same:
#   - every long option of --help is in README and in the man page;
#   - --help's usage lines and TARGET text are in the man page's SYNOPSIS and DESCRIPTION;
#   - every exit status line of --help is in README (as "- `N` meaning") and in the man page's EXIT STATUS;
#   - --help says -p- and lists --help-man; README names --help-man and build/cli/synscan.1.
set -euo pipefail
src=${SYNSCAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bin=${1:-$src/build/cli/synscan}  # ctest passes the binary it built
[[ -x $bin ]] || {
  echo "test_docs_agree: $bin not built (usage: $0 [SYNSCAN_BINARY])" >&2
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
failures=0
bad() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

"$bin" --help >"$work/help"
"$bin" --help-man >"$work/man"
# The man page as text: roff escapes undone, one space between words.
sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\f[BIR]//g' -e 's/^\\&//' "$work/man" >"$work/man.txt"
flat() { tr '\n' ' ' | tr -s ' \t' '  '; }
man_flat=$(flat <"$work/man.txt")
readme_flat=$(flat <"$src/README.md")

# Options.
while read -r option; do
  grep -q -- "$option\b" "$src/README.md" || bad "README lacks $option"
  grep -q -- "^$option\b\|, $option\b\|^\\\\fB\\\\-\\\\-${option#--}\\\\fR" "$work/man" ||
    grep -q -- "$option" "$work/man.txt" || bad "the man page lacks $option"
done < <(grep -oE -- '--[a-z][a-z0-9-]+' "$work/help" | sort -u)

# What a new user looks for in --help (issue 22, item 7): all ports as -p-, and how to get the man page; README
# says where build/cli/synscan.1 comes from and names --help-man.
help_flat=$(flat <"$work/help")
[[ $help_flat == *"-p- is 1-65535"* ]] || bad "--help does not say -p- is 1-65535"
grep -q -- '^ *--help-man ' "$work/help" || bad "--help does not list --help-man"
grep -qF -- '--help-man' "$src/README.md" || bad "README does not name --help-man"
grep -qF -- 'build/cli/synscan.1' "$src/README.md" || bad "README does not say where the man page is built"

# Usage lines and TARGET: the lines before the blank line, and the "TARGET:" paragraph.
while IFS= read -r line; do
  [[ -n $line ]] || break
  sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$work/man.txt" | grep -qxF -- "$line" ||
    bad "the man page's SYNOPSIS lacks '$line'"
done <"$work/help"
grep -q '^synscan merge ' "$work/help" || bad "--help lacks the merge usage line"
target=$(grep '^TARGET: ' "$work/help")
[[ $man_flat == *"${target#TARGET: }"* ]] || bad "the man page lacks the TARGET text '${target#TARGET: }'"
[[ $target == *hostname* ]] || bad "--help's TARGET text lacks hostnames: $target"

# Exit status: "  N  meaning" with wrapped continuation lines, after "Exit status:".
sed -n '/^Exit status:/,$p' "$work/help" | tail -n +2 | awk '
  /^  [0-9]  / { if (entry != "") print entry; entry = substr($0, 3); next }
  /^     / { sub(/^ +/, ""); entry = entry " " $0 }
  END { if (entry != "") print entry }' >"$work/exit"
[[ $(wc -l <"$work/exit") -ge 3 ]] || bad "--help lists $(wc -l <"$work/exit") exit statuses, want 0, 1 and 2"
man_exit=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH EXAMPLES/p' "$work/man.txt" | flat)
while IFS= read -r entry; do
  code=${entry%%  *}
  meaning=${entry#*  }
  [[ $readme_flat == *"- \`$code\` $meaning"* ]] || bad "README lacks exit status '$code': '$meaning'"
  [[ $man_exit == *".B $code $meaning"* ]] || bad "the man page's EXIT STATUS lacks '$code': '$meaning'"
done <"$work/exit"

# The options allowed with --resume (issue 22 item 3: README's list was shorter than the program's): the list
# the program gives when refusing one, and README's "Options allowed with `--resume`: ..." list.
"$bin" --resume /nonexistent/r.resume --ports 1 >/dev/null 2>"$work/resume.err" || true
sed -n 's/.*allowed: \(.*\))$/\1/p' "$work/resume.err" | tr -d ' ' | tr ',' '\n' | sort >"$work/resume.program"
[[ -s $work/resume.program ]] || bad "no list of the options allowed with --resume: $(cat "$work/resume.err")"
sed 's/.*Options allowed with `--resume`: //; s/(.*//; t; d' <<<"$readme_flat" | grep -oE -- '--[a-z][a-z-]+' |
  sort >"$work/resume.readme"
diff "$work/resume.program" "$work/resume.readme" >"$work/resume.diff" ||
  bad "README's options allowed with --resume (>) differ from the program's (<): $(tr '\n' ' ' <"$work/resume.diff")"

if ((failures > 0)); then
  echo "test_docs_agree: $failures failure(s)" >&2
  exit 1
fi
echo "test_docs_agree: ok ($(grep -oE -- '--[a-z][a-z-]+' "$work/help" | sort -u | wc -l) options, $(wc -l <"$work/exit") exit statuses)" >&2
