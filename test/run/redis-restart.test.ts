import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { RunService } from "../../src/core/run.js";
import { createRunService } from "../../src/queue/run-service.js";

/** A Redis of this test's own, restarted on the same port without persistence, as a crashed server comes back. */
let server: ChildProcess | undefined;
let runs: RunService | undefined;

afterAll(async () => {
  await runs?.close();
  server?.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  for (;;) {
    const client = new Redis(port, "127.0.0.1", { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on("error", () => {}); // refused until the server listens
    try {
      await client.connect();
      await client.ping();
      return child;
    } catch {
      await new Promise((wait) => setTimeout(wait, 50));
    } finally {
      client.disconnect();
    }
  }
}

async function stopRedis(child: ChildProcess): Promise<void> {
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGKILL");
  await exited;
}

describe("a Redis restart", () => {
  it("tells the user their waiting run was lost, and the service works again afterwards", { timeout: 30_000 }, async () => {
    const port = await freePort();
    server = await startRedis(port);
    runs = await createRunService(loadConfig({ RUN_WORKERS_IN_PROCESS: "false" }), `redis://127.0.0.1:${port}`);
    const admission = await runs.submit({ code: 'print("hi")', user: { id: "ada", name: "ada" }, origin: "command" });
    if (!admission.accepted) throw new Error(admission.problem);

    await stopRedis(server);
    server = await startRedis(port);

    expect(await admission.outcome).toEqual({
      finished: false,
      jobId: admission.jobId,
      problem: "Your run was lost: the run queue restarted before it finished. Please run it again.",
    });
    expect(await runs.submit({ code: 'print("again")', user: { id: "ada", name: "ada" }, origin: "command" })).toMatchObject({ accepted: true });
  });
});
