import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { log } from "../log.js";
import { RUN_QUEUE } from "../queue/run-queue.js";
import { measureRunQueue, metricsRegistry } from "./metrics.js";
import { within } from "./within.js";

const healthLog = log.child({ module: "health" });

/** Longest a probe waits for Redis: orchestrators give up on a probe after a few seconds. */
const REDIS_TIMEOUT_MS = 2_000;

/** A test run in the sandbox costs a bwrap and a Python start, so probes reuse its verdict this long. */
const SANDBOX_RECHECK_MS = 60_000;

export interface HealthOptions {
  port: number;
  /** All interfaces by default, so the container runtime and Prometheus reach it; tests use loopback. */
  host?: string;
  redisUrl: string;
  runQueuePrefix: string;
  /** The bot: ready only when some worker (here or on another host) takes /run jobs. */
  needsRunWorker?: boolean;
  /** A worker: what is wrong with its sandbox (none when it works), e.g. the sandbox's checkSandbox. */
  sandboxProblems?: () => Promise<string[]>;
}

export interface HealthServer {
  /** The port listened on (the one asked for, or the one picked for port 0). */
  port: number;
  close(): Promise<void>;
}

/** `check`, run again only when its last answer is older than `ms`; callers in between share that answer. */
function reusedFor<T>(ms: number, check: () => Promise<T>): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ms) last = { at: Date.now(), answer: check() };
    return last.answer;
  };
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store" }).end(body);
}

/**
 * GET /healthz (the process answers), GET /readyz (it can do its work: 503 with the problems when not)
 * and GET /metrics (Prometheus). Off unless HEALTH_PORT is set.
 */
export async function startHealthServer(options: HealthOptions): Promise<HealthServer> {
  // Its own connection without an offline queue: a probe must fail at once while Redis is away,
  // not wait in line for the reconnection like the app's commands do.
  const redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  redis.on("error", () => {}); // reported by /readyz; the app's own connections log the outage
  // So that the first probe does not find the connection still opening; Redis may be down, hence the bound.
  await within(REDIS_TIMEOUT_MS, "Redis", once(redis, "ready")).catch(() => undefined);
  const runQueue = new Queue(RUN_QUEUE, { connection: redis, prefix: options.runQueuePrefix });
  runQueue.on("error", () => {});
  measureRunQueue(runQueue, REDIS_TIMEOUT_MS);
  const sandboxProblems = options.sandboxProblems && reusedFor(SANDBOX_RECHECK_MS, options.sandboxProblems);

  async function readinessProblems(): Promise<string[]> {
    const problems: string[] = [];
    try {
      await within(REDIS_TIMEOUT_MS, "Redis", redis.ping());
      if (options.needsRunWorker && (await within(REDIS_TIMEOUT_MS, "Redis", runQueue.getWorkersCount())) === 0) {
        problems.push("no run worker is connected to the run queue, so /run would wait in vain");
      }
    } catch (error) {
      problems.push(`Redis does not answer: ${(error as Error).message}`);
    }
    if (sandboxProblems) problems.push(...(await sandboxProblems()));
    return problems;
  }

  // Logged when readiness changes, not at every probe.
  let wasReady: boolean | undefined;
  async function answerReadiness(response: ServerResponse): Promise<void> {
    const problems = await readinessProblems();
    const ready = problems.length === 0;
    if (ready !== wasReady) {
      if (ready) healthLog.info("ready");
      else healthLog.warn({ problems }, "not ready");
      wasReady = ready;
    }
    send(response, ready ? 200 : 503, "application/json", JSON.stringify(ready ? { ready } : { ready, problems }));
  }

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://health").pathname;
    if (request.method !== "GET") return send(response, 405, "text/plain", "only GET\n");
    if (path === "/healthz") return send(response, 200, "text/plain", "ok\n");
    const answered = path === "/readyz" ? answerReadiness(response)
      : path === "/metrics" ? metricsRegistry.metrics().then((text) => send(response, 200, metricsRegistry.contentType, text))
      : undefined;
    if (!answered) return send(response, 404, "text/plain", "not found: try /healthz, /readyz or /metrics\n");
    answered.catch((error: unknown) => {
      healthLog.error({ err: error, path }, "health endpoint failed");
      if (!response.headersSent) send(response, 500, "text/plain", "internal error\n");
    });
  });
  server.listen(options.port, options.host ?? "0.0.0.0");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  healthLog.info({ port }, "health endpoint listening: /healthz, /readyz, /metrics");

  return {
    port,
    async close() {
      measureRunQueue(undefined);
      // Prometheus keeps its connection open between scrapes; close() alone would wait for it.
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await runQueue.close();
      redis.disconnect();
    },
  };
}
