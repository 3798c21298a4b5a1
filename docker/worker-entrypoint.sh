#!/bin/sh
# The worker limits each run with a control group of its own (memory, processes, CPU time), so it needs
# writable cgroups, yet only its own part of the host's tree. Docker mounts /sys/fs/cgroup read-only; with the
# container in its own cgroup namespace (compose: `cgroup: private`), a fresh mount made here shows only the
# container's subtree, read-write. Mounting needs CAP_SYS_ADMIN, which the worker keeps: it mounts each run's
# scratch tmpfs (src/sandbox/scratch.ts) so that it can measure from outside what the run wrote. Every sandbox drops
# all capabilities (setpriv to an unprivileged uid, then bwrap --cap-drop ALL) before the learner's code exists.
# What cannot be set up is said in one line here; the worker then starts anyway and names the missing piece in
# its start-up log, /readyz and `npx loopy doctor`, instead of restarting in a loop.
# Every step that can fail says so (set -e does not apply inside a function called with ||).
set -u
say() { echo "worker-entrypoint: $*" >&2; }

# The cgroup paths of this process: "/" for every hierarchy when the container has its own cgroup namespace.
own_namespace() { ! grep -qv ':/$' /proc/self/cgroup; }

setup_v2() {
  # A fresh cgroup2 mount of our namespace, read-write (or the read-only one remounted, on older kernels).
  mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup 2>/dev/null || mount -o remount,rw /sys/fs/cgroup || return 1
  # cgroup v2's "no internal processes" rule: our processes move to a leaf so the root can delegate the
  # memory, pids and cpu controllers to the per-run groups.
  mkdir -p /sys/fs/cgroup/init || return 1
  for pid in $(cat /sys/fs/cgroup/cgroup.procs); do echo "$pid" > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true; done
  echo "+memory +pids +cpu" > /sys/fs/cgroup/cgroup.subtree_control || return 1
}

setup_v1() {
  # cgroup v1 mounts each hierarchy separately; Docker bind-mounts them read-only (remounting says "busy").
  # A fresh tmpfs at /sys/fs/cgroup, then a fresh mount of each hierarchy the sandbox uses, with the controllers
  # the host mounted together (e.g. "cpu,cpuacct"), since the kernel refuses another combination.
  hierarchies=""
  for controller in memory pids cpuacct; do
    hierarchy=$(awk -F: -v c="$controller" '{ n = split($2, names, ","); for (i = 1; i <= n; i++) if (names[i] == c) print $2 }' /proc/self/cgroup)
    [ -n "$hierarchy" ] || { say "the host has no cgroup v1 $controller hierarchy"; return 1; }
    case " $hierarchies " in *" $hierarchy "*) ;; *) hierarchies="$hierarchies $hierarchy" ;; esac
  done
  mount -t tmpfs -o nosuid,nodev,noexec,mode=755,size=64k cgroup-root /sys/fs/cgroup || return 1
  for hierarchy in $hierarchies; do
    mkdir -p "/sys/fs/cgroup/$hierarchy" || return 1
    mount -t cgroup -o "nosuid,nodev,noexec,$hierarchy" cgroup "/sys/fs/cgroup/$hierarchy" || return 1
    # "cpu,cpuacct" is also reachable as cpuacct (and cpu), as on the host.
    for controller in $(echo "$hierarchy" | tr , ' '); do
      [ "$controller" = "$hierarchy" ] || ln -s "$hierarchy" "/sys/fs/cgroup/$controller" || return 1
    done
  done
}

if [ "$(id -u)" != 0 ]; then
  say "not root, so no control groups can be mounted (the worker service runs as user root)"
elif ! own_namespace; then
  say "the container shares the host's cgroup namespace; give it its own (compose: cgroup: private; docker run --cgroupns=private)"
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  setup_v2 || say "could not mount a writable cgroup v2 tree (the worker service needs CAP_SYS_ADMIN)"
else
  setup_v1 || say "could not mount writable cgroup v1 hierarchies (the worker service needs CAP_SYS_ADMIN)"
fi

# Nothing after this point changes capabilities: CAP_SETPCAP leaves the bounding set.
drop="--bounding-set=-setpcap --inh-caps=-setpcap"
if [ "$(id -u)" = 0 ] && setpriv $drop -- true 2>/dev/null; then exec setpriv $drop -- "$@"; fi
[ "$(id -u)" != 0 ] || say "cannot drop CAP_SETPCAP before the worker starts"
exec "$@"
