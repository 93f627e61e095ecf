#!/usr/bin/env bash
# Runs in the build stage of the dotnet-aspnet stand-in: turns ROOTFS, which already holds .NET under
# usr/share/dotnet, into a root filesystem like a chiseled image's — the shared libraries .NET links against or
# loads at run time (OpenSSL), CA certificates, passwd/group with root and `app` (uid 1654), /tmp — and nothing
# else. Libraries keep the names the loader asks for, under merged-/usr directories (lib -> usr/lib …).
set -Eeuo pipefail

readonly APP_UID=1654

usage() {
  echo "Usage: chisel-rootfs.sh ROOTFS   (ROOTFS/usr/share/dotnet must hold .NET)"
}

die() { printf 'chisel-rootfs: error: %s\n' "$*" >&2; exit 1; }

# Every library outside .NET that its native files link against (ldd), plus what the runtime dlopens: OpenSSL.
libraries_needed() {
  local dotnet_dir="$1"
  find "$dotnet_dir" -type f \( -name '*.so' -o -name dotnet \) -print0 \
    | xargs -0 ldd 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// { print $3 } NF == 2 && $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' \
    | grep -v "^$dotnet_dir/" || true
  ldconfig -p | awk '$1 ~ /^lib(ssl|crypto)\.so\.3$/ { print $NF }'
}

copy_library() {
  local rootfs="$1" path="$2" dir
  dir="$(readlink -f "$(dirname "$path")")"
  mkdir -p "$rootfs$dir"
  cp -L "$path" "$rootfs$dir/$(basename "$path")"
}

make_layout() {
  local rootfs="$1"
  mkdir -p "$rootfs"/{etc/ssl/certs,home/app,usr/bin,usr/lib,usr/lib64,usr/sbin,tmp}
  ln -sfn usr/bin "$rootfs/bin"
  ln -sfn usr/sbin "$rootfs/sbin"
  ln -sfn usr/lib "$rootfs/lib"
  ln -sfn usr/lib64 "$rootfs/lib64"
  chmod 1777 "$rootfs/tmp"
  ln -sfn ../share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
}

add_users() {
  local rootfs="$1"
  printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' "app:x:$APP_UID:$APP_UID:app:/home/app:/usr/sbin/nologin" \
    >"$rootfs/etc/passwd"
  printf '%s\n' 'root:x:0:' "app:x:$APP_UID:" >"$rootfs/etc/group"
  chown "$APP_UID:$APP_UID" "$rootfs/home/app"
}

add_certificates() {
  local rootfs="$1"
  cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  # OpenSSL's default directory on Debian and Ubuntu: .NET finds the roots through it.
  mkdir -p "$rootfs/usr/lib/ssl"
  ln -sfn /etc/ssl/certs "$rootfs/usr/lib/ssl/certs"
}

main() {
  if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    usage
    return 0
  fi
  [[ $# -eq 1 ]] || { usage >&2; exit 2; }
  local rootfs="$1" library count=0
  [[ -x "$rootfs/usr/share/dotnet/dotnet" ]] || die "no .NET in $rootfs/usr/share/dotnet"

  make_layout "$rootfs"
  while read -r library; do
    copy_library "$rootfs" "$library"
    count=$((count + 1))
  done < <(libraries_needed "$rootfs/usr/share/dotnet" | sort -u)
  [[ $count -gt 0 ]] || die "found no shared library that .NET needs (is ldd there?)"
  add_users "$rootfs"
  add_certificates "$rootfs"
  echo "chisel-rootfs: $count shared libraries; $(du -sh "$rootfs" | cut -f1) in all"
}

main "$@"
