# Containers tests: a tiny image built from Debian's busybox-static (no registry
# pulls are possible), imported as warroom-test/busybox. Idempotent and quiet.
if ! docker image inspect warroom-test/busybox >/dev/null 2>&1; then
  (
    set -e
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    if ! apt-get download busybox-static >/dev/null 2>&1; then
      apt-get update -qq >/dev/null
      apt-get download busybox-static >/dev/null
    fi
    dpkg -x busybox-static_*.deb pkg
    mkdir -p rootfs/bin rootfs/tmp
    cp pkg/bin/busybox rootfs/bin/busybox
    for applet in sh sleep touch test cat echo rm ls; do
      ln -s busybox "rootfs/bin/$applet"
    done
    tar -C rootfs -c . | docker import - warroom-test/busybox >/dev/null
  )
fi
# ssh:// Docker hosts are tested through a real sshd on loopback.
if [ ! -x /usr/sbin/sshd ]; then
  apt-get install -y -qq --no-install-recommends openssh-server >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
  }
fi
