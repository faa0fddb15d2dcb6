# Fetching a Debian source package into the cache, shared by the ports' build.sh scripts.
# Source it after defining say(); then `dsc=$(debsrc_fetch PACKAGE CACHE_DIR) || exit 2`.

# Root or sudo for apt's configuration; fails when neither (then only the cache can help).
sudo_cmd() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
    else return 1
    fi
}

# apt-get source needs a deb-src entry; Debian's images ship only "Types: deb". Adds one for
# the release's main archive (idempotent: nothing happens when any deb-src line exists).
ensure_deb_src() {
    local codename f=/etc/apt/sources.list.d/agora-src.sources
    if grep -Eqs '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
        return 0
    fi
    codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || { say "cannot tell the Debian release (/etc/os-release)"; return 1; }
    say "adding a deb-src entry for $codename main ($f) and updating apt's lists"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$codename" | sudo_cmd tee "$f" >/dev/null || { say "need root (or sudo) to add $f"; return 1; }
    sudo_cmd apt-get update -qq || { say "apt-get update failed"; return 1; }
}

# Prints the newest .dsc of PACKAGE in CACHE_DIR, fetching the source first if there is none.
# Status 2 when it cannot be had (no deb-src and no root to add one, or no network).
debsrc_fetch() {
    local pkg=$1 cache=$2 dsc
    dsc=$(ls -1 "$cache"/"$pkg"_*.dsc 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$dsc" ]; then
        ensure_deb_src || return 2
        mkdir -p "$cache"
        say "fetching Debian's source package into $cache"
        (cd "$cache" && apt-get source --download-only "$pkg") >&2 || {
            say "apt-get source $pkg failed (no network?)"; return 2; }
        dsc=$(ls -1 "$cache"/"$pkg"_*.dsc 2>/dev/null | sort -V | tail -n 1)
        [ -n "$dsc" ] || return 2
    fi
    echo "$dsc"
}
