import { spawn, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { RunOutcome, RunService } from "../../src/core/run/request.js";
import { createRunService } from "../../src/queue/run-service.js";
import { requireWorkingSandbox } from "../sandbox/helpers.js";

/**
 * A class at work: 20 users, 10 runs each, through the queue to the bot's in-process worker and a standalone
 * worker process, with hostile runs among them. Every user gets exactly one answer for each run, nothing is lost
 * or answered twice, and what the runs leave in Redis stays within a stated bound.
 */
requireWorkingSandbox();

const USERS = 20;
const RUNS_EACH = 10;
/** Results expire (15 minutes); while they live, 200 of them may hold at most this much of Redis. */
const REDIS_BOUND_BYTES = 16 * 1024 * 1024;

const redisUrl = process.env.REDIS_URL!;
const prefix = `test-soak-${process.pid}`;
const settings = { RUN_QUEUE_PREFIX: prefix, RUNS_PER_MINUTE: "100", SANDBOX_POOL_SIZE: "2", WORKER_CONCURRENCY: "2", RUN_WAIT_SECONDS: "120" };
const redis = new Redis(redisUrl);
let runs: RunService;
let standalone: ChildProcess;

beforeAll(async () => {
  standalone = spawn(process.execPath, ["--import", "tsx", "src/queue/worker-main.ts"], { env: { ...process.env, ...settings, REDIS_URL: redisUrl, LOG_LEVEL: "warn" }, stdio: "ignore" });
  runs = await createRunService(loadConfig(settings), redisUrl);
});

afterAll(async () => {
  await runs.close();
  standalone.kill("SIGTERM");
  await new Promise((resolve) => standalone.once("exit", resolve));
  redis.disconnect();
});

const FRAMES = 'import os, struct\ndef frame(kind, payload=b""):\n    os.write(4, struct.pack(">cI", kind, len(payload)) + payload)\n';
const HOSTILE = [
  `import sys\nfor i in range(20000):\n    (sys.stdout if i % 2 else sys.stderr).write("x")\n    (sys.stdout if i % 2 else sys.stderr).flush()\nprint("TOKEN")`,
  `${FRAMES}for _ in range(500000):\n    frame(b"P")\nprint("TOKEN")`,
  `import sys\nprint("TOKEN")\nsys.exit(152)`,
];

function programFor(user: number, run: number): { code: string; token: string } {
  const token = `answer-${user}-${run}`;
  const hostile = (user + run) % 17 === 0;
  const code = hostile ? HOSTILE[(user + run) % HOSTILE.length]!.replace("TOKEN", token) : `import asyncio\nasync def main():\n    await asyncio.sleep(0.05)\n    print("${token}")\nasyncio.run(main())`;
  return { code, token };
}

async function memoryOfPrefix(): Promise<number> {
  let total = 0;
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
    for (const key of keys as string[]) total += (await redis.memory("USAGE", key)) ?? 0;
  }
  return total;
}

describe("a soak of 200 runs from 20 users over two workers", () => {
  it("answers every run exactly once, correctly, and keeps Redis within its bound", async () => {
    const answers = new Map<string, RunOutcome[]>();
    const jobIds = new Set<string>();
    await Promise.all(
      Array.from({ length: USERS }, async (_, user) => {
        for (let run = 0; run < RUNS_EACH; run++) {
          const { code, token } = programFor(user, run);
          const admission = await runs.submit({ code, user: { id: `soak-${user}`, name: `user ${user}` }, origin: "command" });
          if (!admission.accepted) throw new Error(`run ${token} refused: ${admission.problem}`);
          expect(jobIds.has(admission.jobId)).toBe(false);
          jobIds.add(admission.jobId);
          const outcome = await admission.outcome;
          answers.set(token, [...(answers.get(token) ?? []), outcome]);
          expect(outcome.finished, outcome.finished ? "" : outcome.problem).toBe(true);
          if (outcome.finished && outcome.result.limit !== "frames") expect(outcome.result.stdout).toContain(token);
        }
      }),
    );
    expect(answers.size).toBe(USERS * RUNS_EACH);
    for (const outcomes of answers.values()) expect(outcomes).toHaveLength(1);
    expect(jobIds.size).toBe(USERS * RUNS_EACH);
    // Both workers took their share: the bot's own (this process) and the standalone one.
    const workers = new Set(await Promise.all([...jobIds].map((id) => redis.hget(`${prefix}:run:${id}`, "pb"))));
    expect(workers).toEqual(new Set([`${hostname()}:${process.pid}`, `${hostname()}:${standalone.pid}`]));
    expect(await memoryOfPrefix()).toBeLessThan(REDIS_BOUND_BYTES);
  }, 300_000);
});
