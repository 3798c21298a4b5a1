import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../src/config.js";
import type { RunService } from "../src/core/run/request.js";
import { log } from "../src/log.js";
import { createRunService } from "../src/queue/run-service.js";
import { limitsFromConfig } from "../src/queue/run-queue.js";
import type { RunResult } from "../src/core/run/protocol.js";
import { readdirSync, readFileSync } from "node:fs";
import type { RunLimits } from "../src/core/run/limits.js";
import { SandboxPool } from "../src/sandbox/pool.js";
import { runInSandbox, Sandbox } from "../src/sandbox/sandbox.js";
import { offeredPythons } from "../src/sandbox/userlands.js";
import { startScratchRedis } from "../src/store/redis-server.js";
import { formatMs, percentile } from "./stats.js";

const PROGRAMS = {
  'print("hi")': 'print("hi")',
  "asyncio gather": [
    "import asyncio",
    "",
    "async def square(i):",
    "    await asyncio.sleep(0.01)",
    "    return i * i",
    "",
    "async def main():",
    "    print(sum(await asyncio.gather(*(square(i) for i in range(100)))))",
    "",
    "asyncio.run(main())",
  ].join("\n"),
};
const LATENCY_RUNS = 30;
const SUSTAINED_RUNS = 40;
/**
 * Latency is that of a run arriving at an idle worker, as a learner's /run does: each waits this long after the
 * previous one, so its clean-up and the pool's refill are over. Back-to-back load is the throughput figure.
 */
const IDLE_BETWEEN_MS = 250;

interface Figures {
  p50: number;
  p95: number;
  perSecond: number;
}

/** One way of running code to completion; `user` differs per call so Loopy's per-user limits never interfere. */
type RunPath = (code: string, user: string) => Promise<RunResult>;

/** Latency minus the program's own time (the sandbox's wall time for it), then runs back to back with `parallel` in flight. */
async function measure(path: RunPath, code: string, parallel: number): Promise<Figures> {
  await path(code, "warm-up");
  const overheads: number[] = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    await sleep(IDLE_BETWEEN_MS);
    const start = performance.now();
    const result = await path(code, `latency-${i}`);
    if (result.outcome !== "ok") throw new Error(`benchmark program failed: ${result.stderr}`);
    overheads.push(performance.now() - start - result.wallMs);
  }
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < SUSTAINED_RUNS) await path(code, `sustained-${next++}`);
    }),
  );
  return { p50: percentile(overheads, 50), p95: percentile(overheads, 95), perSecond: SUSTAINED_RUNS / ((performance.now() - start) / 1000) };
}

function loopyPath(runs: RunService): RunPath {
  return async (code, user) => {
    const admission = await runs.submit({ code, user: { id: user, name: user }, origin: "cli" });
    if (!admission.accepted) throw new Error(admission.problem);
    const outcome = await admission.outcome;
    if (!outcome.finished) throw new Error(outcome.problem);
    return outcome.result;
  };
}

/**
 * /run's cost: a cold sandboxed interpreter per run (runInSandbox, the way other bots run code) against
 * Loopy's path through Redis, the queue and a worker with pre-started sandboxes. Same machine, same run.
 */
export async function runBench(): Promise<void> {
  const config = { ...loadConfig(), RUNS_PER_MINUTE: 1_000_000, RUN_QUEUE_LIMIT: 1_000_000, RUN_WORKERS_IN_PROCESS: true, RUN_QUEUE_PREFIX: `bench-${process.pid}` };
  log.level = "warn";
  const redis = config.REDIS_URL ? undefined : await startScratchRedis();
  const runs = await createRunService(config, config.REDIS_URL ?? redis!.url);
  const limits = limitsFromConfig(config);
  const cold: RunPath = (code) => runInSandbox(code, { limits });
  const parallel = config.WORKER_CONCURRENCY;
  try {
    console.log(`\n## /run (${LATENCY_RUNS} runs for latency, ${SUSTAINED_RUNS} for throughput with ${parallel} in flight; ${cpus().length} cores, pool ${config.SANDBOX_POOL_SIZE})`);
    console.log(`latency: a run reaching an idle worker (${IDLE_BETWEEN_MS} ms apart), end to end minus the program's own time; throughput: back to back`);
    for (const [name, code] of Object.entries(PROGRAMS)) {
      const coldFigures = await measure(cold, code, parallel);
      const loopy = await measure(loopyPath(runs), code, parallel);
      const row = (label: string, figures: Figures) =>
        console.log(`${name.padEnd(15)} ${label.padEnd(28)} p50 ${formatMs(figures.p50).padStart(9)}  p95 ${formatMs(figures.p95).padStart(9)}  ${figures.perSecond.toFixed(1).padStart(6)} runs/s`);
      row("cold sandbox (runInSandbox)", coldFigures);
      row("Loopy: Redis + worker + pool", loopy);
      console.log(
        `${name.padEnd(15)} ratio cold/Loopy             p50 ${(coldFigures.p50 / loopy.p50).toFixed(1)}×, p95 ${(coldFigures.p95 / loopy.p95).toFixed(1)}×, throughput Loopy/cold ${(loopy.perSecond / coldFigures.perSecond).toFixed(1)}×`,
      );
    }
  } finally {
    await runs.close();
    await redis?.stop();
  }
  await perPythonBench(limits);
}

/** Processes of started sandboxes: bwrap (twice) and the runner all carry the runner's path on their command line. */
function sandboxRssBytes(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("/opt/loopy/runner.py")) continue;
      total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1] ?? 0) * 1024;
    } catch {
      // exited while we looked
    }
  }
  return total;
}

const POOLED_PER_VERSION = 4;

/**
 * Each offered Python side by side: a cold start (runInSandbox) against a run in a pre-started sandbox, both
 * minus the program's own time, and the memory one idle pre-started sandbox holds (RSS of its processes).
 */
async function perPythonBench(limits: RunLimits): Promise<void> {
  const { pythons, default: chosen } = offeredPythons(loadConfig());
  const code = 'print("hi")';
  console.log(`\n## /run per Python (print("hi"), ${LATENCY_RUNS} runs each; the worker pre-starts sandboxes for the default, ${chosen.version}, only)`);
  for (const python of pythons) {
    const coldRun: RunPath = (program) => runInSandbox(program, { limits, python });
    const pool = new SandboxPool({ size: 1, python, limits });
    const pooledRun: RunPath = (program) => pool.run(program, limits);
    const coldFigures = await measure(coldRun, code, 1);
    const pooled = await measure(pooledRun, code, 1);
    await pool.close();
    const before = sandboxRssBytes();
    const idle = await Promise.all(Array.from({ length: POOLED_PER_VERSION }, () => Sandbox.start({ python, limits })));
    await sleep(500);
    const perSandbox = (sandboxRssBytes() - before) / POOLED_PER_VERSION;
    await Promise.all(idle.map((sandbox) => sandbox.destroy()));
    console.log(
      `Python ${python.release.padEnd(8)} cold p50 ${formatMs(coldFigures.p50).padStart(8)}  pooled p50 ${formatMs(pooled.p50).padStart(8)}  ratio ${(coldFigures.p50 / pooled.p50).toFixed(1).padStart(5)}×  idle sandbox ${(perSandbox / 1024 / 1024).toFixed(1).padStart(5)} MiB RSS`,
    );
  }
}
