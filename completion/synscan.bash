# bash completion for synscan: options and output formats. Installed by `cmake --install` into
# share/bash-completion/completions/synscan; to try it from a checkout: source completion/synscan.bash
#
# The long options are read from `synscan --help` of the synscan being completed, so they follow the one options
# description and never drift; the values below are the fixed sets the options accept.

_synscan_formats="list ndjson json csv grepable xml"

_synscan() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()
  case $prev in
    --format)
      mapfile -t COMPREPLY < <(compgen -W "$_synscan_formats" -- "$cur")
      return
      ;;
    --show)
      mapfile -t COMPREPLY < <(compgen -W "open closed filtered all open,closed open,closed,filtered" -- "$cur")
      return
      ;;
    --send-backend)
      mapfile -t COMPREPLY < <(compgen -W "auto sendmmsg mmap xdp libnet" -- "$cur")
      return
      ;;
    --syn-profile)
      mapfile -t COMPREPLY < <(compgen -W "windows linux bsd mss none" -- "$cur")
      return
      ;;
    --banner-probe)
      mapfile -t COMPREPLY < <(compgen -W "auto none http tls generic" -- "$cur")
      return
      ;;
    -i | --interface)
      mapfile -t COMPREPLY < <(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")
      return
      ;;
    --user)
      mapfile -t COMPREPLY < <(compgen -u -- "$cur")
      return
      ;;
    -o | --output | --output-* | -oX | -oJ | -oD | -oL | -oG | -oC | -oA | --metadata | --pcap-out)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    -p | --ports | --rate | --wait | --retries | --send-threads | --seed | --shard | --source-ip | --source-port | \
      --router-mac | --max-memory | --pcap-buffer | --banner-concurrency | --banner-rate | --banner-timeout | \
      --banner-max-bytes)
      return  # a value the user types
      ;;
  esac
  if [[ $cur == -* ]]; then
    local options
    options=$("${COMP_WORDS[0]}" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$options -oX -oJ -oD -oL -oG -oC -oA" -- "$cur")
  fi
}
complete -F _synscan synscan
