import { describe, expect, it } from "vitest";
import { configuredDefaultPython } from "../../src/sandbox/userlands.js";
import { existsSync } from "node:fs";
import { loadConfig } from "../../src/config.js";
import { compareVersions } from "../../src/core/python-version.js";
import { runInSandbox } from "../../src/sandbox/sandbox.js";
import { interleavedOutput, orderedOutput } from "../../src/core/run/protocol.js";
import { offeredPythons } from "../../src/sandbox/userlands.js";
import { requireWorkingSandbox } from "./helpers.js";

requireWorkingSandbox();

describe("behaves like python3 main.py", () => {
  it("runs as __main__ from /tmp/main.py with argv ['main.py']", async () => {
    const result = await runInSandbox(`import os, sys\nprint(__name__, __file__, sys.argv, os.getcwd(), sys.path[0])`);
    expect(result).toMatchObject({ outcome: "ok", exitCode: 0, limit: null, python: configuredDefaultPython().release });
    expect(result.stdout).toBe("__main__ /tmp/main.py ['main.py'] /tmp /tmp\n");
  });

  it("prints tracebacks with the learner's line numbers and no runner frames", async () => {
    const result = await runInSandbox(`def divide():\n    return 1 / 0\n\ndivide()\n`);
    expect(result.outcome).toBe("error");
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      [
        "Traceback (most recent call last):",
        '  File "/tmp/main.py", line 4, in <module>',
        "    divide()",
        // 3.13 and later also mark the call that failed.
        ...(compareVersions(configuredDefaultPython().version, "3.13") >= 0 ? ["    ~~~~~~^^"] : []),
        '  File "/tmp/main.py", line 2, in divide',
        "    return 1 / 0",
        "           ~~^~~",
        "ZeroDivisionError: division by zero",
        "",
      ].join("\n"),
    );
  });

  it("prints a syntax error without a traceback header", async () => {
    const result = await runInSandbox(`print("a"\n`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^ {2}File "\/tmp\/main.py", line 1\n/);
    expect(result.stderr).toContain("SyntaxError: '(' was never closed");
  });

  it("shows the never-awaited coroutine warning as Python does", async () => {
    const result = await runInSandbox(`import asyncio\n\nasync def f(): pass\nf()\nprint("after")\n`);
    expect(result.outcome).toBe("ok");
    expect(result.stderr).toContain("main.py:4: RuntimeWarning: coroutine 'f' was never awaited\n  f()\n");
  });

  it("keeps stdout and stderr in the order written", async () => {
    const result = await runInSandbox(`import sys\nfor i in range(20):\n    print("out", i)\n    print("err", i, file=sys.stderr)\n`);
    const expected = Array.from({ length: 20 }, (_, i) => `out ${i}\nerr ${i}\n`).join("");
    expect(interleavedOutput(result)).toBe(expected);
    for (const piece of orderedOutput(result)) expect(piece.text.startsWith(piece.stream === "stdout" ? "out" : "err")).toBe(true);
    const times = result.chunks.map((chunk) => chunk.atMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("times chunks from the start of the program", async () => {
    const result = await runInSandbox(`import time\nprint("a", flush=True)\ntime.sleep(0.3)\nprint("b")`);
    const [first, second] = result.chunks;
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(150);
  });

  it("honours exit codes", async () => {
    expect(await runInSandbox("import sys\nsys.exit(3)")).toMatchObject({ outcome: "error", exitCode: 3, stderr: "" });
    expect(await runInSandbox("import sys\nsys.exit(0)")).toMatchObject({ outcome: "ok", exitCode: 0 });
    expect(await runInSandbox('import sys\nsys.exit("bye")')).toMatchObject({ outcome: "error", exitCode: 1, stderr: "bye\n" });
    expect(await runInSandbox("raise SystemExit")).toMatchObject({ outcome: "ok", exitCode: 0 });
  });

  it("reports death by signal as the exit status 128 + N, which a program could also choose: never as a limit", async () => {
    const killed = await runInSandbox("import os, signal\nos.kill(os.getpid(), signal.SIGXCPU)");
    const chosen = await runInSandbox("import sys\nsys.exit(152)");
    for (const result of [killed, chosen]) expect(result).toMatchObject({ outcome: "error", exitCode: 152, signal: null, limit: null });
  });

  it("keeps non-ASCII text and invalid bytes", async () => {
    const result = await runInSandbox(`import sys\nprint("héllo → 🐍")\nsys.stdout.flush()\nsys.stdout.buffer.write(b"\\xff\\n")`);
    expect(result.stdout).toBe("héllo → 🐍\n\uFFFD\n");
  });
});

describe("what we teach works within the default limits", () => {
  it("asyncio.to_thread, a 2-worker ProcessPoolExecutor and create_subprocess_exec together", async () => {
    const result = await runInSandbox(`
import asyncio, sys, time
from concurrent.futures import ProcessPoolExecutor

def square(n):
    return n * n

def blocking(n):
    time.sleep(0.05)
    return n

async def main():
    threads = await asyncio.gather(*(asyncio.to_thread(blocking, n) for n in range(10)))
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=2) as pool:
        squares = await asyncio.gather(*(loop.run_in_executor(pool, square, n) for n in range(6)))
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "print('hello from a child')", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await child.communicate()
    print(threads, squares, out.decode().strip(), child.returncode)

# From 3.14 the pool's workers start from a fork server and import main.py again: the guard is required.
if __name__ == "__main__":
    asyncio.run(main())
`);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9] [0, 1, 4, 9, 16, 25] hello from a child 0\n");
    expect(result.outcome).toBe("ok");
  });

  it("asyncio streams over the sandbox's own loopback, by address and by 'localhost'", async () => {
    const result = await runInSandbox(`
import asyncio

async def echo(reader, writer):
    writer.write((await reader.readline()).upper())
    await writer.drain()
    writer.close()

async def main():
    for host in ["127.0.0.1", "::1", "localhost"]:
        server = await asyncio.start_server(echo, host, 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"ping\\n")
            print(host, (await reader.readline()).decode().strip())
            writer.close()

asyncio.run(main())
`);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("127.0.0.1 PING\n::1 PING\nlocalhost PING\n");
  });

  it("standard input reaches input(), sys.stdin and child processes, then ends", async () => {
    const result = await runInSandbox(
      // The child reads first: Python's sys.stdin, as under \`python3 main.py < file\`, buffers what it reads.
      `import subprocess, sys\nsubprocess.run(["sh", "-c", "read line; echo child read $line"])\nprint(input(), input())\nprint(repr(sys.stdin.read()))\ninput()`,
      {},
      "first\nsecond\nthird\nrest é\n",
    );
    expect(result.stdout).toBe("child read first\nsecond third\n'rest é\\n'\n");
    expect(result.stderr).toMatch(/EOFError: EOF when reading a line\n$/);
  });

  it("a child's raw writes to fd 1 and 2 are captured", async () => {
    const result = await runInSandbox(`import subprocess\nsubprocess.run(["sh", "-c", "echo raw out; echo raw err >&2"])`);
    expect(result.stdout).toBe("raw out\n");
    expect(result.stderr).toBe("raw err\n");
  });
});

describe("interpreter shutdown is Python's own", () => {
  it("reports a coroutine left unawaited until exit, as Python does at teardown", async () => {
    const result = await runInSandbox(`async def f(): pass\nc = f()\nprint("end")\n`);
    expect(result.stdout).toBe("end\n");
    expect(result.stderr).toContain("RuntimeWarning: coroutine 'f' was never awaited");
  });

  it("waits for non-daemon threads and runs atexit handlers", async () => {
    const result = await runInSandbox(
      `import atexit, threading, time\natexit.register(print, "atexit")\nthreading.Thread(target=lambda: (time.sleep(0.2), print("thread"))).start()\nprint("main")`,
    );
    expect(result.stdout).toBe("main\nthread\natexit\n");
  });
});

describe.each(offeredPythons(loadConfig()).pythons)("the system tree a run sees, on Python $version", (python) => {
  it("is the userland's /usr, with nothing of the host's: no node, no setuid programs", async () => {
    expect(existsSync("/usr/bin/node") || existsSync("/usr/local/bin/node") || process.execPath.startsWith("/usr")).toBe(true);
    const result = await runInSandbox(
      [
        "import os, stat, sys",
        'print(sys.executable, "%d.%d" % sys.version_info[:2])',
        'print([path for path in ("/usr/bin/node", "/usr/local/bin/node", "/usr/bin/bwrap", "/usr/bin/redis-server", "/usr/bin/debootstrap") if os.path.exists(path)])',
        'print(os.path.realpath("/bin"), os.path.realpath("/lib"))',
        "setuid = []",
        'for folder, _, names in os.walk("/usr"):',
        "    for name in names:",
        "        path = os.path.join(folder, name)",
        "        try:",
        "            if os.lstat(path).st_mode & (stat.S_ISUID | stat.S_ISGID): setuid.append(path)",
        "        except OSError: pass",
        "print(setuid)",
      ].join("\n"),
      { python },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`${python.interpreter} ${python.version}\n[]\n/usr/bin /usr/lib\n[]\n`);
  });
});
