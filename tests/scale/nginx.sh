# Sourced by tests/scale/run.sh and bench/run.sh: Debian packages installed when missing, and
# deploy/nginx.conf run as shipped in front of replicas on loopback ports, without root.
# Needs `repo_root`.

# nginx lives in /usr/sbin, which a user's PATH may lack.
PATH="$PATH:/usr/sbin"

# install_debian COMMAND PACKAGE: installs Debian's PACKAGE (as root, or with sudo) when
# COMMAND is missing.
install_debian() {
  command -v "$1" >/dev/null && return
  echo "installing Debian's $2" >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null ||
    { $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}

# nginx_conf DIR PORT ADDRESS1 ADDRESS2 ADDRESS3: writes DIR/nginx.conf, deploy/nginx.conf
# with the replicas at the three addresses, listening on 127.0.0.1:PORT, its pid, logs
# (access.log, error.log) and temporary files in DIR. Sets `nginx_args`, the options that run
# it (`nginx "${nginx_args[@]}"`, in the foreground). Status 1, with the lines it could not
# replace on stderr, when the shipped file no longer has the lines it replaces.
nginx_conf() {
  local dir="$1" port="$2"
  mkdir -p "$dir"
  sed -e "s#replica-1:8080#$3#" -e "s#replica-2:8080#$4#" -e "s#replica-3:8080#$5#" \
    -e "s#^\( *\)listen 8080;#\1listen 127.0.0.1:$port;#" \
    -e "s#/var/log/nginx/#$dir/#g" \
    -e "s#/run/nginx.pid#$dir/nginx.pid#" \
    -e "s#^http {#http {\n    client_body_temp_path $dir/body;\n    proxy_temp_path $dir/proxy;\n    fastcgi_temp_path $dir/fastcgi;\n    uwsgi_temp_path $dir/uwsgi;\n    scgi_temp_path $dir/scgi;#" \
    "$repo_root/deploy/nginx.conf" >"$dir/nginx.conf"
  # As root, nginx's workers would run as nobody, who may not enter DIR.
  local global="daemon off;"
  [ "$(id -u)" != 0 ] || global="$global user root;"
  nginx_args=(-p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" -g "$global")
  local left
  left="$(grep -nE 'replica-[0-9]:|listen 8080|/var/log/nginx|/run/nginx' "$dir/nginx.conf" |
    grep -v '^[0-9]*: *#' || true)"
  if [ -n "$left" ] || ! grep -q "temp_path $dir/body" "$dir/nginx.conf"; then
    echo "deploy/nginx.conf: lines not pointed at this machine: ${left:-no http block}" >&2
    return 1
  fi
}
