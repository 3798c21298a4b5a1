import { afterEach, describe, expect, it } from "vitest";
import { configuredDefaultPython } from "../../src/sandbox/userlands.js";
import { SandboxPool } from "../../src/sandbox/pool.js";
import { leftoverCgroups, processesWithMarker, requireWorkingSandbox, uniqueMarker } from "./helpers.js";

requireWorkingSandbox();

const pools: SandboxPool[] = [];
function newPool(size: number): SandboxPool {
  const pool = new SandboxPool({ size });
  pools.push(pool);
  return pool;
}

async function waitUntilReady(pool: SandboxPool, count: number): Promise<void> {
  for (let waited = 0; pool.readyCount < count; waited += 20) {
    if (waited > 20_000) throw new Error(`pool has ${pool.readyCount} ready sandboxes, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
  expect(leftoverCgroups()).toEqual([]);
});

describe("SandboxPool", () => {
  it("runs code in pre-started sandboxes and refills in the background", async () => {
    const pool = newPool(2);
    await waitUntilReady(pool, 2);
    const result = await pool.run('print("hi")');
    expect(result).toMatchObject({ outcome: "ok", stdout: "hi\n", python: configuredDefaultPython().release });
    await waitUntilReady(pool, 2);
  });

  it("never reuses a sandbox: files, environment and processes of one run are gone in the next", async () => {
    const pool = newPool(2);
    await waitUntilReady(pool, 2);
    const marker = uniqueMarker();
    await pool.run(`
import os, subprocess
open("/tmp/left-behind", "w").write("state")
os.environ["LEFT_BEHIND"] = "1"
subprocess.Popen(["sleep", "${marker}"])
`);
    const next = await pool.run(`import os\nprint(os.path.exists("/tmp/left-behind"), "LEFT_BEHIND" in os.environ, sorted(os.listdir("/tmp")))`);
    expect(next.stdout).toBe("False False ['main.py']\n");
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it("runs several at once, beyond its size, each in its own sandbox", async () => {
    const pool = newPool(1);
    const results = await Promise.all(
      [1, 2, 3].map((n) => pool.run(`import os\nprint(${n}, os.getpid())`, { wallMs: 20_000 })),
    );
    expect(results.map((result) => result.stdout.split(" ")[0])).toEqual(["1", "2", "3"]);
  });

  it("hands a sandbox that is still starting to the run waiting for it, then refills", async () => {
    const pool = newPool(1);
    // Asked at once: the pool's first sandbox is still starting, so the first run waits for it.
    const results = await Promise.all([1, 2, 3].map((n) => pool.run(`print(${n})`)));
    expect(results.map((result) => result.stdout)).toEqual(["1\n", "2\n", "3\n"]);
    await waitUntilReady(pool, 1);
  });

  it("applies per-run limits to a pre-started sandbox", async () => {
    const pool = newPool(1);
    await waitUntilReady(pool, 1);
    const result = await pool.run("import time\ntime.sleep(30)", { wallMs: 500 });
    expect(result.limit).toBe("time");
    const small = await pool.run('print("x" * 5000)', { outputBytes: 100 });
    expect(small).toMatchObject({ limit: "output", truncated: true, stdout: "x".repeat(100) });
  });

  it("uses a cold sandbox when a run needs another /tmp size", async () => {
    const pool = newPool(1);
    await waitUntilReady(pool, 1);
    const result = await pool.run('import os\nst = os.statvfs("/tmp")\nprint(st.f_blocks * st.f_frsize)', { tmpBytes: 2 * 1024 * 1024 });
    expect(result.stdout).toBe(`${2 * 1024 * 1024}\n`);
    expect(pool.readyCount).toBe(1);
  });

  it("close() leaves nothing running, even with runs in progress", async () => {
    const pool = newPool(2);
    await waitUntilReady(pool, 2);
    const marker = uniqueMarker();
    const running = pool.run(`import subprocess\nsubprocess.run(["sleep", "${marker}"])`, { wallMs: 1_000 });
    await pool.close();
    expect((await running).limit).toBe("time");
    expect(pool.readyCount).toBe(0);
    expect(processesWithMarker(marker)).toEqual([]);
    expect(leftoverCgroups()).toEqual([]);
    await expect(pool.run("print(1)")).rejects.toThrow(/closed/);
  });
});
