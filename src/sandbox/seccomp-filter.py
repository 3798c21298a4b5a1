"""Writes the sandbox's seccomp filter, as the classic BPF program `bwrap --seccomp FD` loads, to stdout.

Run once per worker with /usr/bin/python3 -I (src/sandbox/seccomp.ts); needs Debian's python3-seccomp,
libseccomp's official binding, so no BPF is written by hand. Socket families are an allow-list (below); for
other system calls everything is allowed except what follows:
system calls learners' programs never need and that exploits and escapes love, after Docker's default
profile and snekbox/nsjail. Denied calls fail with EPERM, as they do without the privilege, except where
ENOSYS ("not on this kernel") makes libraries fall back to what is allowed.
"""

import errno
import sys

import seccomp

DENIED = [
    # Reading or steering other processes, the runner and its pipes included.
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # Kernel subsystems with long records of local privilege escalations.
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    # New namespaces and mounts: what a sandbox escape is built from (bwrap already forbids nested user namespaces).
    "unshare", "setns", "mount", "umount2", "pivot_root", "move_mount", "open_tree",
    "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",
    # Opening files by handle walks around bind mounts (the "shocker" escape).
    "open_by_handle_at", "name_to_handle_at",
    # Administering the host: modules, rebooting, swap, accounting, quotas, the kernel log, the clock.
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "lookup_dcookie",
    "clock_settime", "clock_adjtime", "settimeofday", "adjtimex",
    # NUMA memory placement: nothing to teach, and a source of kernel bugs.
    "mbind", "migrate_pages", "move_pages", "set_mempolicy",
]

# Callers treat ENOSYS as an old kernel and fall back: glibc retries clone3 as clone (whose flags the
# filter can read; clone3 passes them in memory it cannot), and io_uring users use plain reads and writes.
NOT_IMPLEMENTED = ["clone3", "io_uring_setup", "io_uring_enter", "io_uring_register"]

# clone's namespace flags (<linux/sched.h>; Python 3.11's os module lacks them).
CLONE_NEW = {
    "CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}

# Socket families a run may use: local sockets and IP on its own loopback, all that asyncio and the lessons
# need. Every other family (vsock reaches the hypervisor, which a network namespace does not isolate; netlink,
# packet, bluetooth, alg, ...) fails with EAFNOSUPPORT, as on a kernel without it. The filter sees the whole
# 64-bit register, so a family with high bits set is refused too, though the kernel would read only 32 of them.
AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
ALLOWED_FAMILIES = (AF_UNIX, AF_INET, AF_INET6)

# Terminal input injection and console control (<asm-generic/ioctls.h>); bwrap --new-session covers
# TIOCSTI as well. The kernel reads an ioctl's request as 32 bits, so only those are compared.
TIOCSTI = 0x5412
TIOCLINUX = 0x541C


def build():
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    # Calls of another architecture (32-bit int 0x80 ones, say) have other numbers and would slip past.
    rules.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    eperm = seccomp.ERRNO(errno.EPERM)
    for name in DENIED:
        rules.add_rule(eperm, name)
    for name in NOT_IMPLEMENTED:
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    for flag in CLONE_NEW.values():
        rules.add_rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    eafnosupport = seccomp.ERRNO(errno.EAFNOSUPPORT)
    for call in ("socket", "socketpair"):
        # libseccomp compares one argument once per rule, so the families between the allowed ones get a rule each.
        for family in range(max(ALLOWED_FAMILIES)):
            if family not in ALLOWED_FAMILIES:
                rules.add_rule(eafnosupport, call, seccomp.Arg(0, seccomp.EQ, family))
        rules.add_rule(eafnosupport, call, seccomp.Arg(0, seccomp.GT, max(ALLOWED_FAMILIES)))
    for request in (TIOCSTI, TIOCLINUX):
        rules.add_rule(eperm, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request))
    # Only the default Linux personality: others switch off address randomisation (ADDR_NO_RANDOMIZE) or
    # make data executable (READ_IMPLIES_EXEC). Queries (0xffffffff) are refused too; Python never asks.
    rules.add_rule(eperm, "personality", seccomp.Arg(0, seccomp.NE, 0))
    return rules


if __name__ == "__main__":
    build().export_bpf(sys.stdout)
