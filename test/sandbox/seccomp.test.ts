import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { configuredDefaultPython } from "../../src/sandbox/userlands.js";
import { checkSandbox } from "../../src/sandbox/doctor.js";
import { runInSandbox } from "../../src/sandbox/sandbox.js";
import { buildSeccompFilter } from "../../src/sandbox/seccomp.js";
import { requireWorkingSandbox } from "./helpers.js";

requireWorkingSandbox();

const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNET = 0x40000000;
const SIGCHLD = 17;

describe("seccomp filter", () => {
  it("refuses the system calls exploits need, with EPERM (ENOSYS where callers fall back)", async () => {
    // Each call is made raw through libc's syscall(), numbered by libseccomp's table (python3-seccomp, on the
    // host: the userland runs use has no seccomp module), with 64-bit arguments chosen so that, unfiltered, it would succeed or fail
    // otherwise: ptrace(PTRACE_TRACEME) and unshare(0) succeed, the NULL pointers give EFAULT, keyctl ENOKEY.
    const calls: [name: string, ...args: number[]][] = [
      ["ptrace", 0, 0, 0, 0],
      ["process_vm_readv", 1, 0, 0, 0, 0, 0],
      ["io_uring_setup", 1, 0],
      ["keyctl", 0, -2, 0],
      ["bpf", 0, 0, 0],
      ["perf_event_open", 0, 0, -1, -1, 0],
      ["userfaultfd", 0],
      ["mount", 0, 0, 0, 0, 0],
      ["unshare", 0],
      ["setns", 0, 0],
      ["clone3", 0, 0],
      ["clone", CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0],
      ["clone", CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0],
      ["personality", 0x0040000], // ADDR_NO_RANDOMIZE
      ["ioctl", 0, 0x5412, 0], // TIOCSTI
      ["ioctl", 0, 0x1_0000_5412, 0], // TIOCSTI with high bits set, which the kernel ignores
    ];
    const numbers = spawnSync(
      "/usr/bin/python3",
      ["-I", "-c", `import json, seccomp; print(json.dumps({name: seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) for name in ${JSON.stringify([...new Set(calls.map(([name]) => name))])}}))`],
      { encoding: "utf8" },
    );
    expect(numbers.stderr).toBe("");
    const result = await runInSandbox(`
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
numbers = ${numbers.stdout.trim()}
for name, *args in ${JSON.stringify(calls)}:
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(numbers[name]), *map(ctypes.c_long, args))
    if result == 0 and name == "clone":
        os._exit(0)  # the filter failed and this is the child: leave the output to the parent
    print(name, result, errno.errorcode.get(ctypes.get_errno(), "-") if result == -1 else "-")
`);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(
      [
        "ptrace -1 EPERM",
        "process_vm_readv -1 EPERM",
        "io_uring_setup -1 ENOSYS",
        "keyctl -1 EPERM",
        "bpf -1 EPERM",
        "perf_event_open -1 EPERM",
        "userfaultfd -1 EPERM",
        "mount -1 EPERM",
        "unshare -1 EPERM",
        "setns -1 EPERM",
        "clone3 -1 ENOSYS",
        "clone -1 EPERM",
        "clone -1 EPERM",
        "personality -1 EPERM",
        "ioctl -1 EPERM",
        "ioctl -1 EPERM",
        "",
      ].join("\n"),
    );
  });

  it("binds the program's children too", async () => {
    const result = await runInSandbox(`
import subprocess, sys
mode = "print(open('/proc/self/status').read().split('Seccomp:')[1].split()[0])"
exec(mode)
subprocess.run([sys.executable, "-c", mode])
`);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("2\n2\n"); // 2: filtered
  });

  it.runIf(process.arch === "x64")("kills a process making system calls of another ABI (x32 here), which could slip past the rules", async () => {
    const result = await runInSandbox(`
import ctypes, os
print("before", flush=True)
ctypes.CDLL(None).syscall(0x40000000 | 39)  # getpid, x32 ABI
print("after")
`);
    expect(result.stdout).toBe("before\n");
    expect(result.exitCode).toBe(128 + 31); // killed by SIGSYS
  });

  it("leaves what learners need working: threads, fork, posix_spawn (via clone3's fallback), sockets", async () => {
    const result = await runInSandbox(`
import ctypes, os, socket, subprocess, threading
print("personality", ctypes.CDLL(None).personality(0))  # the default one is allowed
thread = threading.Thread(target=print, args=("thread",))
thread.start()
thread.join()  # 3.12+ warns about fork() in a process with other threads, rightly
pid = os.fork()
if pid == 0:
    os._exit(7)
print("fork", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print(subprocess.run(["echo", "spawned"], capture_output=True, text=True).stdout.strip())
a, b = socket.socketpair()
a.send(b"socket")
print(b.recv(10).decode())
`);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("personality 0\nthread\nfork 7\nspawned\nsocket\n");
  });

  it("leaves no way to the filter's pipe: bwrap closes fd 5 before Python starts", async () => {
    const result = await runInSandbox(`
import os
try:
    os.fstat(5)
    print("fd 5 open")
except OSError as error:
    print(error.strerror)
`);
    expect(result.stdout).toBe("Bad file descriptor\n");
  });
});

describe("the doctor and the seccomp filter", () => {
  it("builds the filter as whole BPF instructions", async () => {
    const filter = await buildSeccompFilter();
    expect(filter.length % 8).toBe(0);
    expect(filter.length).toBeGreaterThan(8 * 50);
  });

  it("reports a filter that cannot be built, and says which package to install", async () => {
    const { ok, problems } = await checkSandbox({ pythons: [configuredDefaultPython()], seccompPython: "/nonexistent/python3" });
    expect(ok).toBe(false);
    expect(problems).toEqual([expect.stringMatching(/seccomp filter.*install python3-seccomp/)]);
  });
});
