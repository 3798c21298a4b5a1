import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { compareVersions } from "../../src/core/python-version.js";
import { offeredPythons } from "../../src/sandbox/userlands.js";

const scratch = mkdtempSync(join(tmpdir(), "loopy-cli-run-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

/** `loopy run …` as a subprocess, as an operator types it. */
function loopyRun(args: string[], environment: Record<string, string | undefined> = {}, input = "") {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn("npx", ["tsx", "src/cli.ts", "run", ...args], {
      env: { ...process.env, LOG_LEVEL: "warn", RUN_QUEUE_PREFIX: `test-cli-${process.pid}`, ...environment },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => (stdout += data));
    child.stderr.on("data", (data) => (stderr += data));
    child.stdin.end(input);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

const FIELDS = ["outcome", "limit", "exitCode", "signal", "stdout", "stderr", "wallMs", "cpuMs", "truncated", "python"];

describe("loopy run", () => {
  it("--json prints one object with the result", async () => {
    const { code, stdout } = await loopyRun([file("hi.py", 'print("hi")\n'), "--json"]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    for (const field of FIELDS) expect(result).toHaveProperty(field);
    expect(result).toMatchObject({ outcome: "ok", limit: null, exitCode: 0, stdout: "hi\n", truncated: false });
  });

  it("reads standard input, prints output and a summary, and exits 0 for a program that failed", async () => {
    const { code, stdout, stderr } = await loopyRun(["-"], {}, 'print("before")\nraise ValueError("boom")\n');
    expect(code).toBe(0);
    expect(stdout).toBe("before\n");
    expect(stderr).toMatch(/ValueError: boom\n── exit code 1 · \d+ ms wall, \d+ ms CPU · Python 3\.\d+\.\d+\n$/);
  });

  it("--queue --json goes through Redis and a worker", async () => {
    const { code, stdout } = await loopyRun([file("queued.py", "import asyncio\nasyncio.run(asyncio.sleep(0.1))\nprint('queued')\n"), "--queue", "--json"], { REDIS_URL: process.env.REDIS_URL });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: "ok", stdout: "queued\n" });
  });

  it("--queue starts a private Redis and worker when REDIS_URL is unset", async () => {
    const { code, stdout } = await loopyRun([file("private.py", "print(1 + 1)\n"), "--queue", "--json"], { REDIS_URL: "", LOOPY_DATA_DIR: scratch });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: "ok", stdout: "2\n" });
  });

  it.each([
    ["an empty file", () => file("empty.py", "\n"), /^loopy run: There is no code to run/],
    ["a binary file", () => file("binary.py", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1])), /^loopy run: That looks like binary data/],
    ["a file that is not UTF-8", () => file("latin1.py", Buffer.from("print('caf\xe9')", "latin1")), /is not UTF-8 text/],
    ["a missing file", () => join(scratch, "missing.py"), /^loopy run: Cannot read .*missing\.py: no such file\.$/m],
    ["a file too large", () => file("large.py", "#".repeat(20_001)), /the limit is 20,000/],
  ])("refuses %s with a sentence and a non-zero exit", async (_name, path, message) => {
    const { code, stderr } = await loopyRun([path()]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it("explains its usage", async () => {
    const { code, stderr } = await loopyRun(["a.py", "--fast"]);
    expect(code).toBe(2);
    expect(stderr).toBe("loopy run: unknown option --fast.\nUsage: loopy run FILE|- [--python 3.X] [--json] [--queue]\n");
  });
});

describe("loopy run --python, and loopy pythons", () => {
  const { pythons } = offeredPythons(loadConfig());

  it.each(pythons)("runs on Python $version when asked, and reports it", async (python) => {
    const program = file(`version-${python.version}.py`, "import asyncio, sys\nprint('%d.%d' % sys.version_info[:2], hasattr(asyncio, 'capture_call_graph'))\n");
    const { code, stdout } = await loopyRun([program, "--python", python.version, "--json"]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.python).toBe(python.release);
    expect(result.stdout).toBe(`${python.version} ${compareVersions(python.version, "3.14") >= 0 ? "True" : "False"}\n`);
  });

  it("refuses a version that is not installed, naming those that are", async () => {
    const { code, stderr } = await loopyRun([file("any.py", "print(1)\n"), "--python", "3.9"]);
    expect(code).toBe(2);
    expect(stderr).toBe(`loopy run: Python 3.9 is not installed or offered; choose one of ${pythons.map((python) => python.version).join(", ")} (\`npx loopy pythons\` lists them).\n`);
  });

  it("lists the installed Pythons with their paths and sizes", async () => {
    const listed = await new Promise<string>((done) => {
      let out = "";
      const child = spawn("npx", ["tsx", "src/cli.ts", "pythons"], { env: { ...process.env, LOG_LEVEL: "warn" } });
      child.stdout.on("data", (data) => (out += data));
      child.on("close", () => done(out));
    });
    for (const python of pythons) expect(listed).toContain(`${python.release.padEnd(9)} ${python.userland}${python.interpreter}`);
    expect(listed).toMatch(/\d+ MB on disk, built \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });
});
