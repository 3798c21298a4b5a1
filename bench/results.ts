import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig } from "../src/config.js";
import { DEFAULT_LIMITS } from "../src/core/run/limits.js";
import { outputFromPieces, RESULT_BOUNDS, type Interval, type RunResult, type TimelineTask } from "../src/core/run/protocol.js";
import { runResultReply } from "../src/core/run/reply.js";
import { log } from "../src/log.js";
import { createRunService } from "../src/queue/run-service.js";
import { boundedJson } from "../src/queue/run-results.js";
import { runInSandbox } from "../src/sandbox/sandbox.js";
import { startScratchRedis } from "../src/store/redis-server.js";
import { formatMs, percentile, timeEach } from "./stats.js";

/** The largest result the bounds allow: the whole output limit in alternating pieces, every task, interval and wait. */
export function worstResult(): RunResult {
  const pieceChars = Math.floor(DEFAULT_LIMITS.outputBytes / RESULT_BOUNDS.chunks);
  const pieces = Array.from({ length: RESULT_BOUNDS.chunks }, (_, index) => ({
    stream: index % 2 ? ("stderr" as const) : ("stdout" as const),
    text: `${"`".repeat(5)}${"x\n".repeat(pieceChars / 2 - 3)}`,
    atMs: index * 3,
  }));
  const perTask = Math.floor(RESULT_BOUNDS.intervals / RESULT_BOUNDS.tasks);
  const tasks = Array.from({ length: RESULT_BOUNDS.tasks }, (_, id): TimelineTask => ({
    id: id + 1,
    name: "n".repeat(RESULT_BOUNDS.label),
    coroutine: "c".repeat(RESULT_BOUNDS.label),
    createdBy: id === 0 ? "asyncio.run" : "gather",
    createdMs: 0,
    finishedMs: 6000,
    outcome: "result",
    intervals: Array.from({ length: perTask }, (_, step): Interval => ({
      kind: step % 2 ? "waiting" : "running",
      startMs: step * 30,
      endMs: step * 30 + (step % 7 === 0 ? 150 : 29),
      ...(step % 2 ? { wait: (id * perTask + step) % RESULT_BOUNDS.waits } : {}),
    })),
  }));
  return {
    outcome: "limit",
    limit: "time",
    exitCode: null,
    signal: "SIGKILL",
    ...outputFromPieces(pieces),
    wallMs: 6000,
    cpuMs: 5000,
    truncated: true,
    python: "3.11.2",
    timeline: {
      tasks,
      waits: Array.from({ length: RESULT_BOUNDS.waits }, (_, index) => ({ kind: "sleep" as const, label: `w${index}`.padEnd(RESULT_BOUNDS.label, "w") })),
      wallMs: 6000,
      droppedSteps: 0,
      droppedTasks: 0,
    },
    capped: ["the order of stdout and stderr is kept for the first pieces of output only"],
  };
}

const REPLY_RUNS = 40;
const CLASS_SIZE = 30;
const CLASS_SPREAD_MS = 100;

/**
 * The bot's side of a result: building the reply (output block, hints, timeline text and picture) for the worst
 * result the bounds allow, with the event loop's longest stall meanwhile; and a class of 30 pressing "Run example"
 * within 100 ms, end to end, next to one cold sandboxed start.
 */
export async function runBench(): Promise<void> {
  log.level = "warn";
  const worst = worstResult();
  console.log(`\n## Untrusted results (worst result the bounds allow: ${(boundedJson(worst, DEFAULT_LIMITS).length / 1024 / 1024).toFixed(2)} MiB stored)`);
  const stall = monitorEventLoopDelay({ resolution: 5 });
  stall.enable();
  // A turn of the event loop after each build, so the stall monitor sees each build's whole time.
  const builds = await timeEach(REPLY_RUNS, async () => {
    runResultReply(worst, DEFAULT_LIMITS, 'print("x")', "id");
    await new Promise((resolve) => setImmediate(resolve));
  }, 3);
  stall.disable();
  console.log(`reply for the worst result (the bot's side, picture included)  p50 ${formatMs(percentile(builds, 50)).padStart(9)}  p99 ${formatMs(percentile(builds, 99)).padStart(9)}  (target p99 ≤ 100 ms); event loop's longest stall ${formatMs(stall.max / 1e6)}`);

  const config = { ...loadConfig(), RUNS_PER_MINUTE: 1_000_000, RUN_QUEUE_LIMIT: 1_000_000, RUN_WORKERS_IN_PROCESS: true, RUN_QUEUE_PREFIX: `bench-class-${process.pid}` };
  const redis = config.REDIS_URL ? undefined : await startScratchRedis();
  const runs = await createRunService(config, config.REDIS_URL ?? redis!.url);
  const example = "import asyncio\n\nasync def main():\n    await asyncio.gather(asyncio.sleep(0.1), asyncio.sleep(0.1))\n    print('done')\n\nasyncio.run(main())";
  try {
    const coldStart = performance.now();
    const cold = await runInSandbox(example);
    const coldMs = performance.now() - coldStart;
    const ends = await Promise.all(
      Array.from({ length: CLASS_SIZE }, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, (index / CLASS_SIZE) * CLASS_SPREAD_MS));
        const start = performance.now();
        const admission = await runs.submit({ code: example, user: { id: `learner-${index}`, name: "learner" }, origin: "example" });
        if (!admission.accepted) throw new Error(admission.problem);
        const outcome = await admission.outcome;
        if (!outcome.finished || outcome.result.outcome !== "ok") throw new Error("a class run failed");
        await runs.reply({ code: example, stdin: "" }, outcome);
        return performance.now() - start;
      }),
    );
    console.log(
      `class burst: ${CLASS_SIZE} "Run example" in ${CLASS_SPREAD_MS} ms (${config.WORKER_CONCURRENCY} in flight, pool ${config.SANDBOX_POOL_SIZE}): all answered, ` +
        `end to end p50 ${formatMs(percentile(ends, 50))}, p95 ${formatMs(percentile(ends, 95))}, last ${formatMs(Math.max(...ends))}; one cold sandboxed start ${formatMs(coldMs)} (program ${cold.wallMs} ms)`,
    );
  } finally {
    await runs.close();
    await redis?.stop();
  }
}
