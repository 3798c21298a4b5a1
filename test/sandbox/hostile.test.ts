import { createServer, type Server } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { findHints } from "../../src/core/run/hints.js";
import { DEFAULT_SANDBOX_IDS } from "../../src/sandbox/ids.js";
import { runInSandbox } from "../../src/sandbox/sandbox.js";
import { leftoverCgroups, processesWithMarker, requireWorkingSandbox, uniqueMarker } from "./helpers.js";

requireWorkingSandbox();

afterEach(() => {
  expect(leftoverCgroups()).toEqual([]);
});

describe("network", () => {
  const servers: Server[] = [];
  let connections = 0;

  async function listen(host: string): Promise<number> {
    const server = createServer((socket) => {
      connections++;
      socket.end("secret\n");
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const address = server.address();
    if (typeof address !== "object" || !address) throw new Error("no address");
    return address.port;
  }

  let portV4 = 0;
  let portV6 = 0;
  beforeAll(async () => {
    portV4 = await listen("127.0.0.1");
    portV6 = await listen("::1");
  });
  afterAll(() => servers.forEach((server) => server.close()));

  it("cannot reach the host's loopback (where Redis listens), over IPv4 or IPv6", async () => {
    const result = await runInSandbox(`
import socket
for host, port in [("127.0.0.1", ${portV4}), ("::1", ${portV6}), ("localhost", ${portV4})]:
    try:
        socket.create_connection((host, port), timeout=2).recv(100)
        print(host, "CONNECTED")
    except OSError as error:
        print(host, "blocked", type(error).__name__)
`);
    expect(result.stdout).not.toContain("CONNECTED");
    expect(result.stdout.match(/blocked/g)).toHaveLength(3);
    expect(connections).toBe(0);
  });

  it("has no interface but its own loopback", async () => {
    const result = await runInSandbox(`print(sorted(line.split(":")[0].strip() for line in open("/proc/net/dev").readlines()[2:]))`);
    expect(result.stdout.trim()).toBe("['lo']");
  });
});

describe("secrets and files", () => {
  it("passes no environment variable from the bot, not even to pid 1 of the sandbox", async () => {
    process.env.LOOPY_TEST_SECRET = "hunter2-sandbox-secret";
    try {
      const result = await runInSandbox(`
import os, glob
print(dict(os.environ))
for path in glob.glob("/proc/[0-9]*/environ"):
    try:
        print(open(path, "rb").read())
    except OSError:
        pass
`);
      expect(result.outcome).toBe("ok");
      expect(result.stdout).not.toContain("hunter2");
      expect(result.stdout).not.toContain(process.cwd()); // not even where the bot runs, as PWD
      expect(result.stdout).toContain("'HOME': '/tmp'");
    } finally {
      delete process.env.LOOPY_TEST_SECRET;
    }
  });

  it("cannot see the bot's files, /root, /work, /home or /etc/shadow", async () => {
    const paths = [process.cwd(), "/root", "/work", "/home", "/etc/shadow", "/var", "/run", "/sys/fs/cgroup"];
    const result = await runInSandbox(`
import os
for path in ${JSON.stringify(paths)}:
    print(path, os.path.exists(path))
print(sorted(os.listdir("/")))
print(sorted(os.listdir("/etc")))
`);
    for (const path of paths) expect(result.stdout).toContain(`${path} False`);
    expect(result.stdout).toContain("['bin', 'dev', 'etc', 'lib', 'lib64', 'opt', 'proc', 'sbin', 'tmp', 'usr']");
  });

  it("cannot write outside /tmp", async () => {
    const result = await runInSandbox(`
for path in ["/usr/evil", "/etc/evil", "/opt/loopy/runner.py"]:
    try:
        open(path, "w")
        print(path, "WRITTEN")
    except OSError as error:
        print(path, error.strerror)
`);
    expect(result.stdout).not.toContain("WRITTEN");
  });

  it("runs as uid 1000 inside and, on the host, as an unprivileged uid of its own, distinct for each sandbox", async () => {
    const marker = uniqueMarker();
    const program = `import os, subprocess\nprint(os.getuid(), os.getgid(), os.getgroups())\nsubprocess.run(["sleep", "${marker}"])`;
    const running = [runInSandbox(program, { limits: { wallMs: 20_000 } }), runInSandbox(program, { limits: { wallMs: 20_000 } })];
    let pids: number[] = [];
    for (let attempt = 0; attempt < 200 && pids.length < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      pids = processesWithMarker(marker);
    }
    const { readFileSync } = await import("node:fs");
    const hostUids = new Set<number>();
    for (const pid of pids) {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const uid = Number(/^Uid:\s+(\d+)\s+\1\s+\1\s+\1$/m.exec(status)?.[1]);
      expect(uid).toBeGreaterThanOrEqual(DEFAULT_SANDBOX_IDS.first);
      expect(uid).toBeLessThan(DEFAULT_SANDBOX_IDS.first + DEFAULT_SANDBOX_IDS.count);
      expect(status).toMatch(new RegExp(`^Gid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, "m"));
      expect(status).toMatch(/^CapEff:\s+0+$/m);
      hostUids.add(uid);
      process.kill(pid, "SIGKILL");
    }
    const results = await Promise.all(running);
    expect(pids).toHaveLength(2);
    expect(hostUids.size).toBe(2);
    for (const result of results) expect(result.stdout).toMatch(/^1000 1000 \[(1000)?\]/);
  });
});

describe("limits", () => {
  it("stops a fork bomb and leaves no process behind", async () => {
    const result = await runInSandbox(`import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass`);
    expect(result.outcome).toBe("limit");
    expect(result.limit).toBe("processes");
  });

  it("stops a memory hog", async () => {
    const result = await runInSandbox(`data = b"x" * (500 * 1024 * 1024)\nprint("allocated")`);
    expect(result.outcome).toBe("limit");
    expect(result.limit).toBe("memory");
    expect(result.stdout).not.toContain("allocated");
  });

  it("limits memory for the run as a whole: eight children of 200 MB cannot all succeed", async () => {
    const result = await runInSandbox(`
import os
children = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        data = b"x" * (200 * 1024 * 1024)
        os._exit(0)
    children.append(pid)
succeeded = sum(os.waitpid(pid, 0)[1] == 0 for pid in children)
print("succeeded", succeeded)
`);
    expect(result.stdout).not.toContain("succeeded 8");
    expect(result.limit).toBe("memory");
  });

  it("stops an infinite loop by CPU time", async () => {
    const result = await runInSandbox("while True:\n    pass", { limits: { cpuMs: 1_000, wallMs: 20_000 } });
    expect(result.outcome).toBe("limit");
    expect(result.limit).toBe("cpu");
    expect(result.cpuMs).toBeGreaterThanOrEqual(1_000);
  });

  it("stops a sleeper by wall time", async () => {
    const result = await runInSandbox("import time\ntime.sleep(60)", { limits: { wallMs: 1_000 } });
    expect(result.outcome).toBe("limit");
    expect(result.limit).toBe("time");
    expect(result.signal).toBe("SIGKILL");
  });

  it("counts the CPU time of all threads and processes together", async () => {
    const result = await runInSandbox(
      `
import os, threading
def burn():
    while True:
        pass
os.fork()  # two processes, so two cores can burn at once
for _ in range(3):
    threading.Thread(target=burn).start()
`,
      { limits: { cpuMs: 1_500, wallMs: 30_000 } },
    );
    expect(result.limit).toBe("cpu");
  });

  it("stops huge output and truncates it", async () => {
    const result = await runInSandbox(`while True:\n    print("x" * 1000)`, { limits: { outputBytes: 100_000 } });
    expect(result.outcome).toBe("limit");
    expect(result.limit).toBe("output");
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(100_000);
    expect(result.stdout.length).toBeGreaterThan(50_000);
  });

  it("counts raw output of child processes too", async () => {
    const result = await runInSandbox(`import os\nos.system("yes")`, { limits: { outputBytes: 100_000 } });
    expect(result.limit).toBe("output");
  });

  it("stops a disk filler writing many files", async () => {
    const result = await runInSandbox(`
i = 0
while True:
    with open(f"/tmp/fill{i}", "wb") as f:
        f.write(b"x" * 1024 * 1024)
    i += 1
`);
    expect(result.outcome).toBe("limit");
    expect(result.limit).toBe("disk");
    expect(result.stderr).toContain("No space left on device");
  });

  it("stops a single file growing past the file size limit", async () => {
    const result = await runInSandbox(`
with open("/tmp/big", "wb") as f:
    while True:
        f.write(b"x" * 65536)
`);
    // The program sees EFBIG and may handle it; unhandled, it ends with the error, which the hint explains.
    expect(result).toMatchObject({ outcome: "error", limit: null, exitCode: 1 });
    expect(result.stderr).toContain("File too large");
    expect(findHints(result).map((hint) => hint.id)).toContain("file-too-large");
  });

  it("kills a double-forked daemon when the run ends", async () => {
    const marker = uniqueMarker();
    const result = await runInSandbox(`
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "${marker}"])
    os._exit(0)
print("parent done")
`);
    expect(result.outcome).toBe("ok");
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it("kills orphaned child processes when the run ends", async () => {
    const marker = uniqueMarker();
    const result = await runInSandbox(`
import subprocess
for _ in range(3):
    subprocess.Popen(["sleep", "${marker}"], start_new_session=True)
print("started")
`);
    expect(result.stdout).toBe("started\n");
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it("gives the program an empty stdin", async () => {
    const result = await runInSandbox(`input("name? ")`);
    expect(result.outcome).toBe("error");
    expect(result.stderr).toContain("EOFError");
  });
});
