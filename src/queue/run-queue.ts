import { Redis, type RedisOptions } from "ioredis";
import { z } from "zod";
import type { Config } from "../config.js";
import { log } from "../log.js";
import { resolveLimits, runLimitsSchema, type RunLimits } from "../core/run/limits.js";

/** The BullMQ queue of /run jobs; its own name so other queues (reminders, …) never mix with it. */
export const RUN_QUEUE = "run";
/** How a worker's failure reason starts when its sandbox cannot start at all (a set-up problem, not the run's). */
export const SANDBOX_UNAVAILABLE = "sandbox unavailable: ";

const queueLog = log.child({ module: "run-queue" });

/** A job as it travels through Redis; the worker parses it, since another process (or version) wrote it. */
export const runJobSchema = z.object({
  code: z.string(),
  /** What the program reads on standard input; jobs queued before it existed have none. */
  stdin: z.string().default(""),
  limits: runLimitsSchema.partial().optional(),
  user: z.object({ id: z.string(), name: z.string() }),
  origin: z.string(),
  requestedAt: z.number(),
  /** "3.14"; unset: the worker's default Python */
  python: z.string().regex(/^3\.\d+$/).optional(),
});
export type RunJob = z.infer<typeof runJobSchema>;

/**
 * What a worker returns through BullMQ: only where the result is. The result itself (with the limits it ran under)
 * is in the RunResultStore, under the job's id.
 */
export interface RunJobResult {
  storedBytes: number;
}

/**
 * A worker renews its lock every LOCK_MS / 2; a dead worker's job is noticed as stalled at most
 * LOCK_MS + STALLED_CHECK_MS later. Short, because a learner is waiting for the answer.
 */
export const LOCK_MS = 10_000;
export const STALLED_CHECK_MS = 5_000;

/**
 * A connection for the run queue. BullMQ cannot build its own ioredis client in an ESM process, so it
 * gets one; `maxRetriesPerRequest: null` is what BullMQ requires for its blocking reads. While Redis is
 * away ioredis reconnects by itself; each failed attempt is logged rather than thrown.
 */
export function connect(redisUrl: string, options: RedisOptions = { maxRetriesPerRequest: null }): Redis {
  const redis = new Redis(redisUrl, options);
  redis.on("error", (error: Error) => queueLog.warn({ err: error.message }, "run queue: Redis connection error"));
  return redis;
}

/** The sandbox limits the operator set (SANDBOX_*), over the sandbox's defaults for the rest. */
export function limitsFromConfig(config: Config): RunLimits {
  // The SANDBOX_* values are positive when set, so `&&` only passes "unset" through.
  const overrides: Partial<RunLimits> = {
    wallMs: config.SANDBOX_WALL_MS,
    cpuMs: config.SANDBOX_CPU_MS,
    memoryBytes: config.SANDBOX_MEMORY_MB && config.SANDBOX_MEMORY_MB * 1024 * 1024,
    processes: config.SANDBOX_PROCESSES,
    outputBytes: config.SANDBOX_OUTPUT_KB && config.SANDBOX_OUTPUT_KB * 1024,
  };
  return resolveLimits(Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)));
}
