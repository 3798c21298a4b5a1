import { spawn, type ChildProcess } from "node:child_process";
import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../src/config.js";
import type { RunService } from "../../src/core/run/request.js";
import { createRunService } from "../../src/queue/run-service.js";
import { RUN_QUEUE } from "../../src/queue/run-queue.js";
import { exitCodeOf, waitUntil } from "../wait.js";

/** `npm run worker` as a separate process, sharing Redis with a bot that runs no workers itself. */
const redisUrl = process.env.REDIS_URL!;
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const cleanups: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  connection.disconnect();
});

/** A queue of its own for each test, so one test's workers never take another's jobs. */
function place(name: string) {
  const prefix = `test-worker-${process.pid}-${Date.now()}-${name}`;
  const queue = new Queue(RUN_QUEUE, { connection, prefix });
  cleanups.push(() => queue.close());
  return { prefix, queue, botConfig: loadConfig({ RUN_QUEUE_PREFIX: prefix, RUN_WORKERS_IN_PROCESS: "false" }) };
}

function startWorkerProcess(prefix: string): ChildProcess {
  // Node itself (not npx) so signals reach the worker as they would in a container; its own process
  // group, so a SIGKILL of the group also takes its sandboxes, as when a host dies.
  const child = spawn(process.execPath, ["--import", "tsx", "src/queue/worker-main.ts"], {
    env: { ...process.env, REDIS_URL: redisUrl, RUN_QUEUE_PREFIX: prefix, SANDBOX_POOL_SIZE: "1", LOG_LEVEL: "info" },
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  });
  return child;
}

async function service(config: Config): Promise<RunService> {
  const runs = await createRunService(config, redisUrl);
  cleanups.push(() => runs.close());
  return runs;
}

function untilActive(queue: Queue, jobId: string): Promise<void> {
  return waitUntil(async () => (await queue.getJobState(jobId)) === "active", { timeoutMs: 60_000, everyMs: 100 });
}

describe("a standalone worker process", () => {
  it("killed mid-run: the run fails as stalled and the user is told", { timeout: 60_000 }, async () => {
    const { prefix, queue, botConfig } = place("killed");
    const worker = startWorkerProcess(prefix);
    const runs = await service(botConfig);
    const admission = await runs.submit({ code: "import time\ntime.sleep(30)", user: { id: "ada", name: "ada" }, origin: "command", limits: { wallMs: 40_000, cpuMs: 40_000 } });
    if (!admission.accepted) throw new Error(admission.problem);
    await untilActive(queue, admission.jobId);
    process.kill(-worker.pid!, "SIGKILL");
    await exitCodeOf(worker);
    // Another worker (here the in-process one of a second bot) notices the dead worker's lock expire.
    await service({ ...botConfig, RUN_WORKERS_IN_PROCESS: true });
    const outcome = await admission.outcome;
    expect(outcome).toEqual({
      finished: false,
      jobId: admission.jobId,
      problem: "The worker running your code stopped before it finished, so there is no result. Please run it again.",
    });
    expect(await queue.getJobState(admission.jobId)).toBe("failed");
  });

  it("on SIGTERM finishes the run in progress, then exits", { timeout: 60_000 }, async () => {
    const { prefix, queue, botConfig } = place("sigterm");
    const worker = startWorkerProcess(prefix);
    const runs = await service(botConfig);
    const admission = await runs.submit({ code: "import time\ntime.sleep(1.5)\nprint('finished anyway')", user: { id: "grace", name: "grace" }, origin: "command" });
    if (!admission.accepted) throw new Error(admission.problem);
    await untilActive(queue, admission.jobId);
    const exit = exitCodeOf(worker);
    worker.kill("SIGTERM");
    const outcome = await admission.outcome;
    if (!outcome.finished) throw new Error(outcome.problem);
    expect(outcome.result.stdout).toBe("finished anyway\n");
    expect(await exit).toBe(0);
    expect((await Job.fromId(queue, admission.jobId))?.finishedOn).toBeDefined();
  });
});
