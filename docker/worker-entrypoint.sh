#!/bin/sh
# The worker needs a writable cgroup v2 subtree to limit each run's memory and processes as a whole.
# Docker mounts /sys/fs/cgroup read-only inside the container's own cgroup namespace; CAP_SYS_ADMIN lets us
# remount that namespace's view read-write. Processes then move to a leaf group so that the root group can
# delegate the memory, pids and cpu controllers to per-run groups (cgroup v2's "no internal processes" rule).
set -eu
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mount -o remount,rw /sys/fs/cgroup 2>/dev/null || true
  mkdir -p /sys/fs/cgroup/init
  for pid in $(cat /sys/fs/cgroup/cgroup.procs); do echo "$pid" > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true; done
  echo "+memory +pids +cpu" > /sys/fs/cgroup/cgroup.subtree_control
fi
exec "$@"
