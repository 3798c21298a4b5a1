import type { Queue } from "bullmq";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RunResult } from "../core/run/protocol.js";
import { within } from "./within.js";

/**
 * Every metric Loopy exports, in one registry served at GET /metrics. Each process (bot, worker) counts
 * what happens in it; Prometheus sums the counters over processes.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: "loopy_" });

export const interactions = new Counter({
  name: "loopy_interactions_total",
  help: "Slash commands and component presses (buttons, menus, forms) handled, by command.",
  labelNames: ["command", "kind"] as const,
  registers: [metricsRegistry],
});

const runLatency = new Histogram({
  name: "loopy_run_latency_seconds",
  help: "From a /run request to its result in the worker: time waiting in the queue plus the run itself.",
  buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120],
  registers: [metricsRegistry],
});

const runOutcomes = new Counter({
  name: "loopy_runs_total",
  help: "Runs finished by the workers of this process, by outcome (ok, error, limit) and the limit hit (none otherwise).",
  labelNames: ["outcome", "limit"] as const,
  registers: [metricsRegistry],
});

export const dailyQuizPosts = new Counter({
  name: "loopy_daily_quiz_posts_total",
  help: "Daily quizzes posted to a server's channel.",
  registers: [metricsRegistry],
});

export const dailyQuizReveals = new Counter({
  name: "loopy_daily_quiz_reveals_total",
  help: "Daily quizzes revealed and scored.",
  registers: [metricsRegistry],
});

/** Called by a worker when a run ends; `requestedAt` is when the user asked (ms since the epoch). */
export function recordRun(result: Pick<RunResult, "outcome" | "limit">, requestedAt: number): void {
  runOutcomes.inc({ outcome: result.outcome, limit: result.limit ?? "none" });
  // Another host's clock wrote requestedAt; a small skew must not make a negative latency.
  runLatency.observe(Math.max(0, Date.now() - requestedAt) / 1000);
}

const QUEUE_STATES = ["waiting", "active", "delayed"] as const;
let depthSource: { queue: Queue; timeoutMs: number } | undefined;

/** Jobs in the run queue, read from Redis at scrape time so every process reports the same numbers. */
new Gauge({
  name: "loopy_run_queue_jobs",
  help: "Jobs in the run queue by state (waiting, active, delayed), read from Redis when scraped.",
  labelNames: ["state"] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    if (!depthSource) return;
    const { queue, timeoutMs } = depthSource;
    // With Redis away the gauge is left out (and /readyz says why) rather than failing the whole scrape.
    const counts = await within(timeoutMs, "Redis", queue.getJobCounts(...QUEUE_STATES)).catch(() => undefined);
    if (!counts) return;
    for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
  },
});

/** The run queue whose depth /metrics reports; `undefined` stops reporting it. */
export function measureRunQueue(queue: Queue | undefined, timeoutMs = 2_000): void {
  depthSource = queue && { queue, timeoutMs };
}
