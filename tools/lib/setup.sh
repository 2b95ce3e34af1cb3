# Sourced by tools/test and tools/demo: installs what this machine lacks and configures a build dir.
# Only missing packages are installed (Debian 12, apt-get, non-interactive).

# Debian packages every build needs, and those the tests' peers need.
COROHTTP_BUILD_PACKAGES=(g++ meson ninja-build pkg-config libboost1.81-dev)
COROHTTP_TEST_PACKAGES=(catch2 clang curl python3 nginx-light cmake make)

# Prints the packages of "$@" that dpkg does not report as installed.
missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

# Installs the named packages that are missing; runs apt-get update once, first.
ensure_packages() {
  local missing
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  echo "installing: $missing" >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${COROHTTP_APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq >&2
    COROHTTP_APT_UPDATED=1
  fi
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq --no-install-recommends $missing >&2
}

# Node is part of this machine's image (v20); Debian's nodejs is the fallback on a machine without it.
ensure_node() {
  command -v node >/dev/null 2>&1 || ensure_packages nodejs
}

# setup_build DIR [meson options...]: configures DIR once; later runs reuse it with the options given
# now (ninja re-runs meson when a meson.build changes).
setup_build() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >&2
  elif [ $# -gt 0 ]; then
    meson setup --reconfigure "$dir" "$@" >&2  # (re-reads meson_options.txt, unlike meson configure)
  fi
}
