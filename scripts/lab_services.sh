# shellcheck shell=bash
# Real services for the synscan lab (`lab.sh up --services`, or SYNSCAN_LAB_SERVICES=1): the servers of Debian
# packages, run inside the lab's target namespace, so that banner grabbing (`synscan --banners`, nmap -sV,
# masscan --banners) meets what it meets on a real network. Sourced by scripts/lab.sh; nothing here runs alone.
#
#   port  service                                    what a client gets
#   21    ftp   vsftpd (standalone)                  "220 (vsFTPd 3.0.3)" at once
#   22    ssh   Dropbear (inetd mode, under socat)   "SSH-2.0-dropbear_2022.83" at once
#   80    http  nginx                                200, Server: nginx/1.22.1, <title>synscan lab http</title>
#   443   http  nginx, TLS (tunnel ssl)              a self-signed RSA certificate made at lab start (below),
#                                                    then 200, <title>synscan lab https</title>
#   8080  http  nginx                                200, <title>synscan lab http-alt</title>
#   9000  -     scripts/lab_listener.py silent       accepts, never sends a byte
#   9001  -     scripts/lab_listener.py reset        accepts, then resets (RST)
# Every one listens on the wildcard of both families (0.0.0.0 and [::]), so it answers on every address of the
# lab's blocks (198.19.0.0/16, 2001:2:0:1::/64: local routes in the target namespace). The filtered ports and
# blocks of the default lab are kept (25 and 60000-60009 dropped, 113 rejected); 22 80 443 8080 answer with the
# servers above instead of the default lab's listener, which accepts and closes.
#
# The certificate: subject CN=lab.synscan.test, O=synscan lab (self-signed: the issuer is the subject), SANs
# DNS:lab.synscan.test, DNS:*.lab.synscan.test, IP:198.19.0.1 (and IP:2001:2:0:1::1 with IPv6), valid from the
# lab's start for 30 days. The names are under .test (RFC 6761: never delegated).
#
# Why these servers: each is the lightest Debian package of its kind that runs unprivileged-safe inside a
# namespace from a config of its own (no file in the host's /etc is read for its setup or written):
# - nginx (package nginx): -p/-c/-e put its config, pid, logs and temp dirs in the lab's state dir.
# - Dropbear (dropbear-bin) in inetd mode (-i) under socat: the daemon mode refuses a sixth unauthenticated
#   connection from one address and a thirty-first in all (MAX_UNAUTH_PER_IP, MAX_UNAUTH_CLIENTS, fixed at
#   build time), which a banner scan from one scanner address exceeds; one process per connection has no such
#   limit. Its host keys (Ed25519, ECDSA) are made at lab start.
# - vsftpd: standalone (listen_ipv6=YES takes both families), anonymous read-only on an empty root directory;
#   its per-connection namespaces (isolate, isolate_network) are off, as they cost a network namespace per
#   connection.
# Everything lives in STATE_DIR/svc; every process runs in the target namespace, so `lab.sh down` (which kills
# every process of the lab's namespaces) stops them all.
#
# Truth (truth.json's "services", keyed by port as a string): per port
#   name           the service as nmap -sV names it ("ftp", "ssh", "http"); "" for the silent and reset ports
#   tunnel         "ssl" when spoken inside TLS (nmap's tunnel="ssl"), else absent
#   product        one word the product's name holds, case-insensitive ("nginx", "dropbear", "vsftpd"); nmap
#                  writes "Dropbear sshd", a banner "dropbear_2022.83": both hold it
#   version        the version the server announces, read from the installed binary at lab start
#   banner_status  what a banner grab ends with: "ok", "silent" (nothing before the timeout), "reset"
#   banner_starts  the first bytes of a plain-text greeting (ftp, ssh)
#   http           {"status", "server", "title"} for the HTTP ports
#   tls            {"subject", "issuer" (RFC 2253), "subject_cn", "sans" (DNS names as they are, addresses as
#                  text), "not_after" (ISO 8601, UTC)} for the TLS port

readonly LAB_SVC_FTP_PORT=21
readonly LAB_SVC_SSH_PORT=22
readonly LAB_SVC_HTTP_PORT=80
readonly LAB_SVC_HTTPS_PORT=443
readonly LAB_SVC_HTTP_ALT_PORT=8080
readonly LAB_SVC_SILENT_PORT=9000
readonly LAB_SVC_RESET_PORT=9001
# Open in a services lab: every port above (the listener's two answer SYN with SYN-ACK like any other).
# shellcheck disable=SC2034  # read by lab.sh's write_truth
readonly LAB_SVC_OPEN_PORTS=(21 22 80 443 8080 9000 9001)
readonly LAB_SVC_CERT_CN=lab.synscan.test
readonly LAB_SVC_CERT_ORG="synscan lab"
readonly LAB_SVC_CERT_DAYS=30
readonly LAB_SVC_COMMANDS=(nginx dropbear dropbearkey vsftpd socat openssl)

# True when the lab being made gets the services (lab.sh up --services sets LAB_WANT_SERVICES=1).
lab_services_wanted() {
  [[ ${LAB_WANT_SERVICES:-${SYNSCAN_LAB_SERVICES:-0}} == 1 ]]
}

# The listener specs (lab_listener.py PORT:MODE) of a services lab: its silent and its resetting port.
lab_services_listener_specs() {
  printf '%s\n' "$LAB_SVC_SILENT_PORT:silent" "$LAB_SVC_RESET_PORT:reset"
}

# Fails (exit 1, not a skip: CI installs them) when a server is missing.
lab_services_require() {
  local cmd missing=()
  for cmd in "${LAB_SVC_COMMANDS[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd ]] || missing+=("$cmd")
  done
  ((${#missing[@]} == 0)) ||
    die "services lab: missing ${missing[*]} (scripts/install-deps.sh installs nginx dropbear-bin vsftpd socat openssl)"
}

# Debian installs the daemons in /usr/sbin, which a root PATH may lack (sudo, cron).
svc_bin() { command -v "$1" 2>/dev/null || printf '/usr/sbin/%s\n' "$1"; }

# svc_cert SVC IPV6: the self-signed certificate and key (RSA 2048: every TLS client offers RSA suites).
svc_cert() {
  local svc=$1 sans="DNS:$LAB_SVC_CERT_CN,DNS:*.$LAB_SVC_CERT_CN,IP:198.19.0.1"
  (($2)) && sans+=",IP:2001:2:0:1::1"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$svc/tls.key" -out "$svc/tls.crt" \
    -days "$LAB_SVC_CERT_DAYS" -subj "/O=$LAB_SVC_CERT_ORG/CN=$LAB_SVC_CERT_CN" \
    -addext "subjectAltName=$sans" -addext "basicConstraints=critical,CA:FALSE" 2>"$svc/openssl.log" ||
    die "services lab: openssl req failed: $(tail -n 3 "$svc/openssl.log")"
}

# svc_nginx_server SVC PORT IPV6 TITLE [ssl]: one server block; the page is nginx's own `return`, no file
# served.
svc_nginx_server() {
  local svc=$1 port=$2 ipv6=$3 title=$4 ssl=${5:-}
  printf '  server {\n'
  printf '    listen %s %s backlog=4096;\n' "$port" "$ssl"
  ((ipv6)) && printf '    listen [::]:%s %s backlog=4096;\n' "$port" "$ssl"
  if [[ -n $ssl ]]; then
    printf '    ssl_certificate %s/tls.crt;\n    ssl_certificate_key %s/tls.key;\n' "$svc" "$svc"
    printf '    ssl_protocols TLSv1.2 TLSv1.3;\n'
  fi
  printf '    location / {\n'
  printf '      return 200 "<!DOCTYPE html>\\n<html><head><title>%s</title></head><body><p>%s: port %s</p></body></html>\\n";\n' \
    "$title" "$title" "$port"
  printf '    }\n  }\n'
}

# svc_nginx_conf SVC IPV6: nginx.conf, every path in SVC.
svc_nginx_conf() {
  local svc=$1 ipv6=$2
  mkdir -p "$svc/nginx-tmp"
  {
    cat <<EOF
daemon off;
worker_processes 1;
pid $svc/nginx.pid;
error_log $svc/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens on;
  default_type text/html;
  client_body_temp_path $svc/nginx-tmp/body;
  proxy_temp_path $svc/nginx-tmp/proxy;
  fastcgi_temp_path $svc/nginx-tmp/fastcgi;
  uwsgi_temp_path $svc/nginx-tmp/uwsgi;
  scgi_temp_path $svc/nginx-tmp/scgi;
EOF
    svc_nginx_server "$svc" "$LAB_SVC_HTTP_PORT" "$ipv6" "synscan lab http"
    svc_nginx_server "$svc" "$LAB_SVC_HTTPS_PORT" "$ipv6" "synscan lab https" ssl
    svc_nginx_server "$svc" "$LAB_SVC_HTTP_ALT_PORT" "$ipv6" "synscan lab http-alt"
    printf '}\n'
  } >"$svc/nginx.conf"
}

# svc_vsftpd_conf SVC IPV6: vsftpd.conf (vsftpd wants it owned by the user that starts it: root, as made here).
svc_vsftpd_conf() {
  local svc=$1 listen=YES listen6=NO
  if (($2)); then listen=NO listen6=YES; fi   # listen_ipv6 takes IPv4 too (a dual-stack socket)
  mkdir -p "$svc/ftp-empty" "$svc/ftp-root"
  chmod 755 "$svc/ftp-empty" "$svc/ftp-root"
  cat >"$svc/vsftpd.conf" <<EOF
listen=$listen
listen_ipv6=$listen6
listen_port=$LAB_SVC_FTP_PORT
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$svc/ftp-root
local_enable=NO
write_enable=NO
secure_chroot_dir=$svc/ftp-empty
isolate=NO
isolate_network=NO
seccomp_sandbox=NO
max_clients=0
max_per_ip=0
xferlog_enable=NO
dual_log_enable=NO
syslog_enable=NO
vsftpd_log_file=$svc/vsftpd.log
EOF
  chmod 600 "$svc/vsftpd.conf"
}

# svc_listening NS PORT: true when something listens on PORT in namespace NS.
svc_listening() {
  [[ -n $(ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null) ]]
}

# lab_services_start DIR TGT_NS IPV6: makes the keys, certificate and configs in DIR/svc, starts the servers in
# TGT_NS and waits until each listens. The listener's silent and reset ports are started by lab.sh.
lab_services_start() {
  local tgt=$2 ipv6=$3 svc=$1/svc socat_listen port
  lab_services_require
  mkdir -p "$svc"
  svc_cert "$svc" "$ipv6"
  dropbearkey -t ed25519 -f "$svc/dropbear_ed25519" >/dev/null 2>&1 || die "services lab: dropbearkey failed"
  dropbearkey -t ecdsa -s 256 -f "$svc/dropbear_ecdsa" >/dev/null 2>&1 || die "services lab: dropbearkey failed"
  svc_nginx_conf "$svc" "$ipv6"
  svc_vsftpd_conf "$svc" "$ipv6"

  # setsid: their own session, out of reach of a terminal's Ctrl-C aimed at the caller (as the listener).
  ip netns exec "$tgt" setsid "$(svc_bin nginx)" -p "$svc/" -c "$svc/nginx.conf" -e "$svc/nginx-error.log" \
    </dev/null >"$svc/nginx.out" 2>&1 &
  ip netns exec "$tgt" setsid "$(svc_bin vsftpd)" "$svc/vsftpd.conf" </dev/null >"$svc/vsftpd.out" 2>&1 &
  if ((ipv6)); then
    socat_listen="TCP6-LISTEN:$LAB_SVC_SSH_PORT,ipv6only=0"
  else
    socat_listen="TCP4-LISTEN:$LAB_SVC_SSH_PORT"
  fi
  # nofork: the connection's socat child becomes dropbear itself (stdin/stdout the socket), no relay between.
  ip netns exec "$tgt" setsid socat -lf "$svc/socat-ssh.log" "$socat_listen,reuseaddr,fork,backlog=4096" \
    "EXEC:$(svc_bin dropbear) -i -s -r $svc/dropbear_ed25519 -r $svc/dropbear_ecdsa,nofork" \
    </dev/null >"$svc/dropbear.log" 2>&1 &

  for port in "$LAB_SVC_FTP_PORT" "$LAB_SVC_SSH_PORT" "$LAB_SVC_HTTP_PORT" "$LAB_SVC_HTTPS_PORT" \
    "$LAB_SVC_HTTP_ALT_PORT"; do
    wait_for "service on port $port (logs in $svc)" 100 svc_listening "$tgt" "$port"
  done
}

# svc_version CMD: the version the installed server announces (what its banner carries).
svc_version() {
  case $1 in
    nginx) "$(svc_bin nginx)" -v 2>&1 | sed -n 's|.*nginx/\([^ ]*\).*|\1|p' ;;
    dropbear) "$(svc_bin dropbear)" -V 2>&1 | sed -n 's/.*Dropbear v\([^ ]*\).*/\1/p' ;;
    # vsftpd -v writes its version to standard input.
    vsftpd) "$(svc_bin vsftpd)" -v 0>&1 2>&1 | sed -n 's/.*version \([^ ]*\).*/\1/p' ;;
  esac
}

# lab_services_truth_json DIR IPV6: the "services" object of truth.json (documented above).
lab_services_truth_json() {
  local svc=$1/svc ipv6=$2 nginx dropbear vsftpd not_after sans
  nginx=$(svc_version nginx)
  dropbear=$(svc_version dropbear)
  vsftpd=$(svc_version vsftpd)
  not_after=$(openssl x509 -in "$svc/tls.crt" -noout -enddate | sed 's/^notAfter=//')
  not_after=$(date -u -d "$not_after" +%Y-%m-%dT%H:%M:%SZ)
  sans="\"$LAB_SVC_CERT_CN\", \"*.$LAB_SVC_CERT_CN\", \"198.19.0.1\""
  ((ipv6)) && sans+=", \"2001:2:0:1::1\""
  local dn="CN=$LAB_SVC_CERT_CN,O=$LAB_SVC_CERT_ORG"
  cat <<EOF
{
    "$LAB_SVC_FTP_PORT": {"name": "ftp", "product": "vsftpd", "version": "$vsftpd", "banner_status": "ok",
           "banner_starts": "220 (vsFTPd $vsftpd)"},
    "$LAB_SVC_SSH_PORT": {"name": "ssh", "product": "dropbear", "version": "$dropbear", "banner_status": "ok",
           "banner_starts": "SSH-2.0-dropbear_$dropbear"},
    "$LAB_SVC_HTTP_PORT": {"name": "http", "product": "nginx", "version": "$nginx", "banner_status": "ok",
           "http": {"status": 200, "server": "nginx/$nginx", "title": "synscan lab http"}},
    "$LAB_SVC_HTTPS_PORT": {"name": "http", "tunnel": "ssl", "product": "nginx", "version": "$nginx", "banner_status": "ok",
           "http": {"status": 200, "server": "nginx/$nginx", "title": "synscan lab https"},
           "tls": {"subject": "$dn", "issuer": "$dn", "subject_cn": "$LAB_SVC_CERT_CN", "sans": [$sans],
                   "not_after": "$not_after"}},
    "$LAB_SVC_HTTP_ALT_PORT": {"name": "http", "product": "nginx", "version": "$nginx", "banner_status": "ok",
           "http": {"status": 200, "server": "nginx/$nginx", "title": "synscan lab http-alt"}},
    "$LAB_SVC_SILENT_PORT": {"name": "", "banner_status": "silent"},
    "$LAB_SVC_RESET_PORT": {"name": "", "banner_status": "reset"}
  }
EOF
}
