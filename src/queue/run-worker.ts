import { hostname } from "node:os";
import { Worker } from "bullmq";
import type { Config } from "../config.js";
import { recordRun } from "../health/metrics.js";
import { log } from "../log.js";
import { resolveLimits } from "../core/run/limits.js";
import { RunResultStore } from "./run-results.js";
import { SandboxPool } from "../sandbox/pool.js";
import { SandboxStartError, useSandboxIds } from "../sandbox/sandbox.js";
import { offeredPythons } from "../sandbox/userlands.js";
import { connect, limitsFromConfig, LOCK_MS, RUN_QUEUE, runJobSchema, SANDBOX_UNAVAILABLE, STALLED_CHECK_MS, type RunJob, type RunJobResult } from "./run-queue.js";

const workerLog = log.child({ module: "run-worker" });

export interface RunWorker {
  /** Stops taking jobs, lets the runs in progress finish (each is bounded by the wall-time limit), then stops. */
  close(): Promise<void>;
}

/** Takes /run jobs from the queue and runs them in pre-started sandboxes, WORKER_CONCURRENCY at a time. */
export async function startRunWorker(config: Config, redisUrl: string): Promise<RunWorker> {
  const limits = limitsFromConfig(config);
  if (config.SANDBOX_IDS) useSandboxIds(config.SANDBOX_IDS);
  const offered = offeredPythons(config);
  // Pre-started sandboxes for the default Python only: the others start cold (~100 ms more), so idle
  // memory does not grow with the number of versions offered.
  const pools = new Map(
    offered.pythons.map((python) => [python.version, new SandboxPool({ size: python === offered.default ? config.SANDBOX_POOL_SIZE : 0, python, limits })]),
  );
  const connection = connect(redisUrl);
  const results = new RunResultStore(connection, config.RUN_QUEUE_PREFIX);
  const worker = new Worker<RunJob, RunJobResult>(
    RUN_QUEUE,
    async (job) => {
      const data = runJobSchema.parse(job.data);
      const jobLimits = resolveLimits({ ...limits, ...data.limits });
      const startedAt = Date.now();
      const pool = pools.get(data.python ?? offered.default.version);
      if (!pool) throw new Error(`Python ${data.python} is not offered by this worker (it offers ${[...pools.keys()].join(", ")})`);
      const result = await pool.run(data.code, jobLimits, data.stdin).catch((error: unknown) => {
        throw error instanceof SandboxStartError ? new Error(`${SANDBOX_UNAVAILABLE}${error.message}`) : error;
      });
      recordRun(result, data.requestedAt);
      const storedBytes = await results.save(job.id!, result, jobLimits);
      workerLog.info(
        { job: job.id, user: data.user.id, origin: data.origin, python: result.python, queuedMs: startedAt - data.requestedAt, outcome: result.outcome, limit: result.limit, wallMs: result.wallMs, cpuMs: result.cpuMs, storedBytes },
        "run finished",
      );
      return { storedBytes };
    },
    {
      connection,
      // Stored on every job it takes (BullMQ's processedBy), so an operator can tell which worker ran a job.
      name: `${hostname()}:${process.pid}`,
      prefix: config.RUN_QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      // Learner code is not retried behind their back: a run whose worker died fails, and they are told.
      maxStalledCount: 0,
    },
  );
  worker.on("failed", (job, error) => workerLog.error({ job: job?.id, err: error }, "run job failed"));
  worker.on("error", (error) => workerLog.error({ err: error }, "run worker error"));
  await worker.waitUntilReady();
  workerLog.info({ concurrency: config.WORKER_CONCURRENCY, pool: config.SANDBOX_POOL_SIZE, pythons: [...pools.keys()], defaultPython: offered.default.version }, "run worker started");
  return {
    async close() {
      await worker.close();
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      connection.disconnect();
    },
  };
}
