import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Job, Queue, QueueEvents } from "bullmq";
import type { Config } from "../config.js";
import { codeProblem, pythonProblem, stdinProblem, type Admission, type PythonChoice, type RunOutcome, type RunRequest, type RunService } from "../core/run/request.js";
import { runFailureReply, runResultReply } from "../core/run/reply.js";
import { log } from "../log.js";
import { offeredPythons } from "../sandbox/userlands.js";
import { RunAllowance } from "./allowance.js";
import { CodeStore } from "./code-store.js";
import { RunResultStore } from "./run-results.js";
import { connect, RUN_QUEUE, SANDBOX_UNAVAILABLE, type RunJob, type RunJobResult } from "./run-queue.js";
import type { RunWorker } from "./run-worker.js";

const serviceLog = log.child({ module: "run-service" });

/** How often a waiting run looks at its job directly, to notice a job that vanished or an event that was missed. */
const CHECK_EVERY_MS = 2_000;
/** How long close() lets BullMQ close its side before cutting the connections. */
const CLOSE_WAIT_MS = 2_000;

type Finish =
  | { kind: "completed"; value: RunJobResult }
  | { kind: "failed"; reason: string }
  | { kind: "vanished" }
  | { kind: "timeout" }
  | { kind: "closing" };

/**
 * The RunService of src/app.ts: validates and admits runs, queues them on BullMQ and waits for a
 * worker's result, with a bound. With RUN_WORKERS_IN_PROCESS it also starts a worker in this process.
 */
export async function createRunService(config: Config, redisUrl: string): Promise<RunService> {
  const prefix = config.RUN_QUEUE_PREFIX;
  const offered = offeredPythons(config);
  const pythons: PythonChoice = { versions: offered.pythons.map((python) => python.version), default: offered.default.version };
  const waitMs = config.RUN_WAIT_SECONDS * 1000;
  // Fails a command after one reconnection attempt, so a user hears "unreachable" instead of waiting on a dead Redis.
  const redis = connect(redisUrl, { maxRetriesPerRequest: 1 });
  const eventsConnection = connect(redisUrl);
  const queue = new Queue<RunJob, RunJobResult>(RUN_QUEUE, {
    connection: redis,
    prefix,
    defaultJobOptions: {
      attempts: 1,
      // Kept a while after finishing, so a waiter that missed the event still finds the result on the job.
      removeOnComplete: { age: 60 * 60, count: 1000 },
      removeOnFail: { age: 24 * 60 * 60, count: 1000 },
    },
  });
  const events = new QueueEvents(RUN_QUEUE, { connection: eventsConnection, prefix });
  const logError = (error: Error) => serviceLog.warn({ err: error.message }, "run queue error");
  queue.on("error", logError);
  events.on("error", logError);
  const allowance = new RunAllowance(redis, prefix, config.RUNS_PER_MINUTE, waitMs + 30_000);
  const codes = new CodeStore(redis, prefix);
  const results = new RunResultStore(redis, prefix);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  // Imported only here, so a bot whose workers run elsewhere never loads the sandbox.
  const worker: RunWorker | undefined = config.RUN_WORKERS_IN_PROCESS ? await (await import("./run-worker.js")).startRunWorker(config, redisUrl) : undefined;
  const closing = new AbortController();

  /** The first of: the job's finish event, its finish seen by looking, its disappearance, or the end of the wait. */
  async function finishOf(job: Job<RunJob, RunJobResult>): Promise<Finish> {
    const deadline = Date.now() + waitMs;
    const decided = new AbortController();
    const announced = job.waitUntilFinished(events, waitMs + CHECK_EVERY_MS).then(
      (value: RunJobResult): Finish => ({ kind: "completed", value }),
      // BullMQ also rejects when the job's key is gone (Redis lost it), which is not a failure of the run.
      async (error: Error): Promise<Finish> =>
        (await Job.fromId(queue, job.id!).catch(() => "unknown")) === undefined ? { kind: "vanished" } : { kind: "failed", reason: error.message },
    );
    const looked = (async (): Promise<Finish> => {
      while (Date.now() < deadline) {
        try {
          await sleep(Math.min(CHECK_EVERY_MS, deadline - Date.now()), undefined, { signal: AbortSignal.any([decided.signal, closing.signal]) });
        } catch {
          // Either the event came first (nobody reads this any more) or the service is closing.
          return { kind: closing.signal.aborted ? "closing" : "timeout" };
        }
        try {
          const current = await Job.fromId<RunJob, RunJobResult>(queue, job.id!);
          if (!current) return { kind: "vanished" };
          if (current.finishedOn && current.failedReason) return { kind: "failed", reason: current.failedReason };
          if (current.finishedOn) return { kind: "completed", value: current.returnvalue };
        } catch (error) {
          // Redis is restarting: keep waiting, the connection comes back on its own.
          serviceLog.warn({ err: error, job: job.id }, "could not look at a waiting run");
        }
      }
      return { kind: "timeout" };
    })();
    const finish = await Promise.race([announced, looked]);
    decided.abort();
    return finish;
  }

  /** Turns how the job ended into an outcome, logging every way it can fail with its job id. */
  async function outcomeOf(job: Job<RunJob, RunJobResult>, request: RunRequest): Promise<RunOutcome> {
    const jobId = job.id!;
    const context = { job: jobId, user: request.user.id, origin: request.origin };
    const finish = await finishOf(job);
    switch (finish.kind) {
      case "completed": {
        const stored = await results.load(jobId).catch((error: unknown) => {
          serviceLog.error({ ...context, err: error }, "could not read a run's result");
          return undefined;
        });
        if (stored) return { finished: true, jobId, ...stored };
        serviceLog.error({ ...context, storedBytes: finish.value?.storedBytes }, "a finished run's result is missing or not a result");
        return { finished: false, jobId, problem: "Your code ran, but its result could not be read back. It has been logged; please run it again." };
      }
      case "failed":
        if (finish.reason.includes("stalled")) {
          serviceLog.error({ ...context, reason: finish.reason }, "run stalled: its worker stopped mid-run");
          return { finished: false, jobId, problem: "The worker running your code stopped before it finished, so there is no result. Please run it again." };
        }
        if (finish.reason.startsWith(SANDBOX_UNAVAILABLE)) {
          serviceLog.error({ ...context, reason: finish.reason }, "a worker's sandbox cannot start: fix the worker host (npx loopy doctor)");
          return { finished: false, jobId, problem: "I can't run code right now: the sandbox on this Loopy server isn't working. The people who run it have been told." };
        }
        serviceLog.error({ ...context, reason: finish.reason }, "run failed in the worker");
        return { finished: false, jobId, problem: "Something went wrong on my side while running your code. It has been logged; please run it again." };
      case "vanished":
        serviceLog.error(context, "run vanished from the queue (Redis lost it, e.g. a restart)");
        return { finished: false, jobId, problem: "Your run was lost: the run queue restarted before it finished. Please run it again." };
      case "closing":
        serviceLog.warn(context, "stopped waiting for a run: shutting down");
        return { finished: false, jobId, problem: "Loopy is restarting, so I stopped waiting for your run. Please run it again in a minute." };
      case "timeout":
        serviceLog.error({ ...context, waitedMs: waitMs }, "no result in time");
        // A run nobody waits for any more should not take a worker later.
        await job.remove().catch((error: unknown) => serviceLog.warn({ err: error, job: jobId }, "could not withdraw the late run"));
        return { finished: false, jobId, problem: `No worker answered within ${config.RUN_WAIT_SECONDS} second${config.RUN_WAIT_SECONDS === 1 ? "" : "s"}, so I gave up on this run. Please try again in a while.` };
    }
  }

  async function admit(request: RunRequest): Promise<Admission> {
    const problem = codeProblem(request.code) ?? stdinProblem(request.stdin ?? "") ?? (request.python === undefined ? undefined : pythonProblem(request.python, pythons));
    if (problem) return { accepted: false, problem };
    const waiting = await queue.getWaitingCount();
    if (waiting >= config.RUN_QUEUE_LIMIT) {
      serviceLog.warn({ waiting, user: request.user.id }, "run queue full");
      return { accepted: false, problem: "Loopy is busy running other people's code right now. Please try again shortly." };
    }
    // A fresh id rather than BullMQ's counter: the counter restarts with an emptied Redis and would reuse ids.
    const jobId = randomUUID();
    const refusal = await allowance.take(request.user.id, jobId);
    if (refusal) return { accepted: false, problem: refusal };
    try {
      const data: RunJob = {
        code: request.code,
        stdin: request.stdin ?? "",
        limits: request.limits,
        user: request.user,
        origin: request.origin,
        requestedAt: Date.now(),
        python: request.python ?? pythons.default,
      };
      const job = await queue.add("run", data, { jobId });
      serviceLog.info({ job: jobId, user: request.user.id, origin: request.origin, chars: request.code.length }, "run queued");
      const outcome = outcomeOf(job, request).finally(() =>
        allowance.release(request.user.id, jobId).catch((error: unknown) => serviceLog.warn({ err: error, job: jobId }, "could not release the user's run slot")),
      );
      return { accepted: true, jobId, outcome };
    } catch (error) {
      await allowance.release(request.user.id, jobId).catch(() => undefined);
      throw error;
    }
  }

  return {
    pythons,
    async submit(request) {
      try {
        return await admit(request);
      } catch (error) {
        serviceLog.error({ err: error, user: request.user.id, origin: request.origin }, "could not queue a run");
        return { accepted: false, problem: "I can't reach the run queue right now. Please try again in a minute." };
      }
    },
    async reply(program, outcome, titles) {
      const codeId = await codes.save(program);
      return outcome.finished
        ? runResultReply(outcome.result, outcome.limits, program.code, codeId, { stdin: program.stdin, titles, pythons })
        : runFailureReply(outcome.problem, codeId);
    },
    savedProgram: (id) => codes.load(id),
    async close() {
      closing.abort();
      await worker?.close();
      // After a Redis restart BullMQ's close can wait forever for an "end" its connection never emits;
      // the connections are ours, so they are cut after a moment either way.
      await Promise.race([Promise.all([events.close(), queue.close()]), sleep(CLOSE_WAIT_MS, undefined, { ref: false })]);
      eventsConnection.disconnect();
      redis.disconnect();
    },
  };
}
