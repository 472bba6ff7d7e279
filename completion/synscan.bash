# bash completion for synscan: options, their fixed values and file names. Installed by `cmake --install` into
# share/bash-completion/completions/synscan, where the bash-completion package (scripts/install-deps.sh and
# scripts/install.sh install it) loads it the first time synscan is completed; to try it from a checkout:
# source completion/synscan.bash
#
# The long options are read from `synscan --help` of the synscan being completed, so they follow the one options
# description and never drift; the values below are the fixed sets the options accept. With bash-completion's
# helpers loaded (_init_completion, _filedir) `--opt=value` is split and file names complete as bash-completion
# completes them (directories, quoting); without them, plain compgen.

_synscan_formats="list ndjson json csv grepable xml"
# The options whose value is a file: targets and exclusions, config and resume files, every output, the pcap,
# the UDP payload file.
_synscan_file_options="-iL --include-file --exclude-file --config --resume --resume-file -o --output -oX -oJ -oD -oL
  -oG -oC -oA --output-xml --output-json --output-ndjson --output-list --output-grepable --output-csv --output-all
  --metadata --pcap-out --udp-payload-file"
# Options whose value the user types (nothing to offer, and the next word is no option).
_synscan_typed_options="-p --ports --wait --retries --retry-delay --late-replies --send-threads --seed --shard
  --source-ip --source-port --router-mac --router-mac-ipv6 --output-fields --max-memory --pcap-buffer
  --banner-concurrency --banner-rate --banner-timeout --banner-max-bytes --exclude --exclude-ports --top-ports --udp-payload --max-runtime"

# _synscan_files: COMPREPLY = the file names that start with $cur.
_synscan_files() {
  if declare -F _filedir >/dev/null; then
    _filedir
  else
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}

# _synscan_in WORD LIST: whether WORD is one of the blank-separated words of LIST.
_synscan_in() {
  local list=" ${2//$'\n'/ } "
  [[ $list == *" $1 "* ]]
}

# _synscan_words WORDS: COMPREPLY = the words of WORDS that start with $cur.
_synscan_words() {
  mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_synscan() {
  local cur prev words cword split=false
  COMPREPLY=()
  if declare -F _init_completion >/dev/null; then
    _init_completion -s -n : || return
  else
    cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    # --opt=value, split at '=' by COMP_WORDBREAKS: the option is the word before the '='.
    if [[ $prev == = ]] && ((cword >= 2)); then
      prev=${COMP_WORDS[COMP_CWORD - 2]} split=true
    elif [[ $cur == = ]]; then
      prev=${COMP_WORDS[COMP_CWORD - 1]} cur='' split=true
    fi
  fi

  # synscan merge [-o FILE] [--format FMT] FILE...: NDJSON files to read.
  if ((cword >= 2)) && [[ ${words[1]} == merge ]]; then
    case $prev in
      --format) _synscan_words "$_synscan_formats" ;;
      -o* | --output*) _synscan_files ;;
      *)
        if [[ $cur == -* ]]; then
          _synscan_words "-o --output --format -h --help"
        else
          _synscan_files
        fi
        ;;
    esac
    return
  fi

  # The value of the option before it.
  if _synscan_in "$prev" "$_synscan_file_options" || [[ $prev == --output-* ]]; then
    _synscan_files
    return
  fi
  case $prev in
    --format) _synscan_words "$_synscan_formats"; return ;;
    --show) _synscan_words "open closed filtered all open,closed open,closed,filtered"; return ;;
    --send-backend) _synscan_words "auto sendmmsg mmap xdp libnet"; return ;;
    --banner-probe) _synscan_words "auto none http tls generic"; return ;;
    --rate)
      _synscan_words "auto auto:"  # or a number of probes per second
      [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == auto: ]] && compopt -o nospace 2>/dev/null
      return
      ;;
    -s | --scan-type) _synscan_words "S U n"; return ;;
    -i | --interface) _synscan_words "$(ls /sys/class/net 2>/dev/null)"; return ;;
    --user) mapfile -t COMPREPLY < <(compgen -u -- "$cur"); return ;;
    --syn-profile) _synscan_words "windows linux bsd mss none"; return ;;
  esac
  _synscan_in "$prev" "$_synscan_typed_options" && return
  $split && return  # --opt=value of an option not named above

  if [[ $cur == -* ]]; then
    local options
    options=$("${words[0]}" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
    _synscan_words "$options -4 -6 -h -i -p -iL -sS -sU -sn -oX -oJ -oD -oL -oG -oC -oA"
  elif ((cword == 1)) && [[ -n $cur ]]; then
    _synscan_words "merge"  # the subcommand once typed at (a target has nothing to offer)
  fi
}
complete -F _synscan synscan
