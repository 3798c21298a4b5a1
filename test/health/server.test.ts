import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.js";
import { ask } from "../../src/cli/ask.js";
import { loadConfig } from "../../src/config.js";
import { startHealthServer, type HealthServer } from "../../src/health/server.js";
import { log } from "../../src/log.js";
import { startScratchRedis, type EmbeddedRedis } from "../../src/store/redis-server.js";

/** Its own Redis, since the last test stops it. */
const prefix = `health-${process.pid}`;
let redis: EmbeddedRedis;
let bot: HealthServer;
let app: App | undefined;

async function get(server: HealthServer, path: string) {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

/** A sample's value in Prometheus text, e.g. sample(text, 'loopy_runs_total{outcome="ok",limit="none"}'). */
function sample(metrics: string, name: string): number {
  const line = metrics.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

beforeAll(async () => {
  log.level = process.env.LOG_LEVEL ?? "silent";
  redis = await startScratchRedis();
  bot = await startHealthServer({ port: 0, host: "127.0.0.1", redisUrl: redis.url, runQueuePrefix: prefix, needsRunWorker: true });
});

afterAll(async () => {
  await app?.stop();
  await bot?.close();
  await redis?.stop();
});

describe("the health endpoint", () => {
  it("answers /healthz while the process runs", async () => {
    expect(await get(bot, "/healthz")).toMatchObject({ status: 200, text: "ok\n" });
  });

  it("refuses what it does not serve", async () => {
    expect((await get(bot, "/nothing")).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`, { method: "POST" })).status).toBe(405);
  });

  it("is not ready while no worker takes /run jobs, and ready once one does", { timeout: 30_000 }, async () => {
    const before = await get(bot, "/readyz");
    expect(before.status).toBe(503);
    expect(JSON.parse(before.text).problems).toEqual(["no run worker is connected to the run queue, so /run would wait in vain"]);

    app = await startApp(loadConfig({ RUN_QUEUE_PREFIX: prefix, RUN_WORKERS_IN_PROCESS: "true", SANDBOX_POOL_SIZE: "1" }), redis.url);
    expect(await get(bot, "/readyz")).toMatchObject({ status: 200, text: '{"ready":true}' });
  });

  it("serves every metric in Prometheus' format, and they move with a command and a run", { timeout: 30_000 }, async () => {
    const before = await get(bot, "/metrics");
    expect(before.type).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of ["loopy_interactions_total", "loopy_run_latency_seconds", "loopy_runs_total", "loopy_run_queue_jobs", "loopy_daily_quiz_posts_total", "loopy_daily_quiz_reveals_total", "loopy_process_cpu_seconds_total"]) {
      expect(before.text).toContain(`# TYPE ${name} `);
    }
    expect(before.text).toContain('loopy_run_queue_jobs{state="waiting"} 0');

    const events = await ask(app!, "run code:print(6 * 7)");
    expect(JSON.stringify(events)).toContain("42");

    const after = (await get(bot, "/metrics")).text;
    expect(sample(after, 'loopy_interactions_total{command="run",kind="command"}')).toBe(sample(before.text, 'loopy_interactions_total{command="run",kind="command"}') + 1);
    expect(sample(after, 'loopy_runs_total{outcome="ok",limit="none"}')).toBe(sample(before.text, 'loopy_runs_total{outcome="ok",limit="none"}') + 1);
    expect(sample(after, "loopy_run_latency_seconds_count")).toBe(sample(before.text, "loopy_run_latency_seconds_count") + 1);
  });

  it("counts a run stopped at a limit under the limit's name", { timeout: 30_000 }, async () => {
    const name = 'loopy_runs_total{outcome="limit",limit="time"}';
    const before = sample((await get(bot, "/metrics")).text, name);
    const admission = await app!.services.runs.submit({ code: "import time\ntime.sleep(5)", user: { id: "ada", name: "ada" }, origin: "command", limits: { wallMs: 300 } });
    if (!admission.accepted) throw new Error(admission.problem);
    await admission.outcome;
    expect(sample((await get(bot, "/metrics")).text, name)).toBe(before + 1);
  });

  it("a worker is not ready when its sandbox is broken, and says why", async () => {
    const worker = await startHealthServer({ port: 0, host: "127.0.0.1", redisUrl: redis.url, runQueuePrefix: prefix, sandboxProblems: async () => ["bwrap is missing (Debian packages: bubblewrap, util-linux)."] });
    try {
      const ready = await get(worker, "/readyz");
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.text)).toEqual({ ready: false, problems: ["bwrap is missing (Debian packages: bubblewrap, util-linux)."] });
    } finally {
      await worker.close();
    }
  });

  it("is not ready when Redis is down, says so, and still serves /healthz and /metrics", { timeout: 30_000 }, async () => {
    await app!.stop();
    app = undefined;
    await redis.stop();
    const ready = await get(bot, "/readyz");
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text).problems).toEqual([expect.stringMatching(/^Redis does not answer: /)]);
    expect((await get(bot, "/healthz")).status).toBe(200);
    const metrics = await get(bot, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.text).not.toContain("loopy_run_queue_jobs{");
  });
});
