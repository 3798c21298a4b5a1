import { afterEach, describe, expect, it } from "vitest";
import { runInSandbox } from "../../src/sandbox/sandbox.js";
import { leftoverCgroups, requireWorkingSandbox } from "./helpers.js";

/**
 * The kernel surfaces a run shared with the host and with other runs, each closed (issue: sandbox hardening).
 * Only the sandbox's own loopback is ever a network target; the vsock probe binds and listens, never connects.
 */
requireWorkingSandbox();

afterEach(() => {
  expect(leftoverCgroups()).toEqual([]);
});

describe("socket families", () => {
  it("refuses vsock, netlink, packet and every other family but unix, IPv4 and IPv6", async () => {
    const result = await runInSandbox(`
import errno, socket
for name in ["AF_VSOCK", "AF_NETLINK", "AF_PACKET", "AF_BLUETOOTH", "AF_ALG", "AF_KEY", "AF_TIPC", "AF_CAN", "AF_RDS"]:
    family = getattr(socket, name, None)
    if family is None:
        continue
    try:
        s = socket.socket(family, socket.SOCK_STREAM if name == "AF_VSOCK" else socket.SOCK_RAW)
        if name == "AF_VSOCK":
            s.bind((socket.VMADDR_CID_ANY, 5005))
            s.listen()
        print(name, "OPEN")
    except OSError as error:
        print(name, errno.errorcode[error.errno])
for family in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6):
    socket.socket(family, socket.SOCK_STREAM).close()
a, b = socket.socketpair()
print("allowed ok")
`);
    expect(result.stdout).not.toContain("OPEN");
    expect(result.stdout).toMatch(/^AF_VSOCK EAFNOSUPPORT$/m);
    expect(result.stdout).toMatch(/^AF_NETLINK EAFNOSUPPORT$/m);
    expect(result.stdout).toMatch(/^AF_PACKET EAFNOSUPPORT$/m);
    expect(result.stdout).toContain("allowed ok");
  });

  it("refuses a family hidden in the high bits of the register", async () => {
    const result = await runInSandbox(`
import ctypes, ctypes.util, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
fd = libc.syscall(41, ctypes.c_long((1 << 32) | 40), 1, 0)  # socket(AF_VSOCK with high bits, SOCK_STREAM)
print(fd, os.strerror(ctypes.get_errno()))
`);
    expect(result.stdout.trim()).toBe("-1 Address family not supported by protocol");
  });
});

describe("kernel memory", () => {
  it("stops a run that holds unread TCP buffers on its own loopback by the memory limit", async () => {
    const result = await runInSandbox(
      `
import socket
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(200)
held = []
chunk = b"x" * 65536
try:
    for _ in range(110):
        client = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
        client.setblocking(False)
        held += [client, peer]
        try:
            while True:
                client.send(chunk)
        except BlockingIOError:
            pass
except OSError as error:
    print("stopped growing:", error)
print("held", len(held) // 2, "connections full of unread data")
`,
      { limits: { wallMs: 20_000, cpuMs: 15_000 } },
    );
    expect(result.limit).toBe("memory");
  });
});

describe("per-user kernel limits", () => {
  it("gives every concurrent run its own: one run exhausting inotify instances and pipe pages leaves the next unharmed", async () => {
    const hog = runInSandbox(
      `
import ctypes, fcntl, os, time
libc = ctypes.CDLL(None, use_errno=True)
instances = 0
while libc.inotify_init() >= 0:
    instances += 1
pipes = []
for _ in range(80):
    try:
        r, w = os.pipe()
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        break
    pipes.append((r, w))
print("hog", instances, len(pipes), flush=True)
time.sleep(3)
`,
      { limits: { wallMs: 20_000 } },
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const neighbour = await runInSandbox(`
import ctypes, fcntl, os, resource
libc = ctypes.CDLL(None, use_errno=True)
print("inotify", libc.inotify_init() >= 0)
r, w = os.pipe()
print("pipe", fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20))
print("limits", resource.getrlimit(resource.RLIMIT_SIGPENDING)[0], resource.getrlimit(resource.RLIMIT_MSGQUEUE)[0])
`);
    const first = await hog;
    expect(first.stdout).toMatch(/^hog \d+ \d+$/m);
    expect(neighbour.stdout).toContain("inotify True\n");
    expect(neighbour.stdout).toContain(`pipe ${1 << 20}\n`);
    expect(neighbour.stdout).toContain("limits 256 262144\n");
  }, 30_000);
});

describe("writable places", () => {
  it("has a read-only root: only /tmp and /dev/shm are writable, and together they are the disk limit", async () => {
    const result = await runInSandbox(`
for path in ["/x", "/opt/loopy/x", "/dev/x", "/etc/x", "/usr/x"]:
    try:
        open(path, "w").write("x")
        print(path, "WRITTEN")
    except OSError as error:
        print(path, error.strerror)
block = b"x" * (1 << 20)
for path in ["/tmp/a", "/dev/shm/b"]:
    with open(path, "wb") as f:
        for _ in range(7):
            f.write(block)
print("14 MiB written", flush=True)
with open("/dev/shm/c", "wb") as f:
    for _ in range(7):
        f.write(block)
`);
    expect(result.stdout).not.toContain("WRITTEN");
    expect(result.stdout).toContain("14 MiB written");
    expect(result.stderr).toContain("No space left on device");
    expect(result.limit).toBe("disk");
  });
});

describe("host details", () => {
  it("shows no host path under /proc and masks the boot arguments, kernel config and boot id", async () => {
    const result = await runInSandbox(`
import os
for pid in ["self", "1"]:
    for name in ["mountinfo", "cmdline", "environ", "mounts"]:
        try:
            data = open(f"/proc/{pid}/{name}", "rb").read().replace(b"\\0", b" ").decode()
        except OSError as error:
            data = error.strerror
        print(f"--- {pid}/{name}\\n{data}")
for name in ["/proc/cmdline", "/proc/sys/kernel/random/boot_id", "/proc/config.gz"]:
    try:
        print(name, repr(open(name, "rb").read()))
    except OSError as error:
        print(name, error.strerror)
`);
    for (const hostPath of [process.cwd(), "/work", "/run/loopy-sandbox", "src/sandbox", ".data"]) expect(result.stdout).not.toContain(hostPath);
    // Masked with /dev/null, which the run may not open: the files read as nothing at all.
    for (const masked of ["/proc/cmdline", "/proc/sys/kernel/random/boot_id", "/proc/config.gz"]) {
      expect(result.stdout).toMatch(new RegExp(`^${masked} (b''|Permission denied|No such file or directory)$`, "m"));
    }
    expect(result.stdout).toMatch(/^--- 1\/cmdline\nbwrap --args 6 -- \/usr\/bin\/python3\.\d+ \/opt\/loopy\/runner\.py $/m);
  });

  it("cannot open the memory of bwrap's pid 1, the one process the run did not start", async () => {
    const result = await runInSandbox(`
for mode in ("r+b", "rb"):
    try:
        open("/proc/1/mem", mode)
        print(mode, "OPENED")
    except OSError as error:
        print(mode, error.strerror)
`);
    expect(result.stdout).not.toContain("OPENED");
  });
});
