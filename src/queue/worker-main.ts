import { ConfigError, loadConfig } from "../config.js";
import { startHealthServer, type HealthServer } from "../health/server.js";
import { shutDownOnSignals } from "../shutdown.js";
import { log } from "../log.js";
import { checkSandbox } from "../sandbox/doctor.js";
import { offeredPythons } from "../sandbox/userlands.js";
import { startRunWorker } from "./run-worker.js";

/**
 * `npm run worker`: a standalone /run worker for any host that reaches REDIS_URL. On SIGTERM or SIGINT
 * it stops taking jobs and finishes the runs in progress; a second signal, or the end of the grace
 * period, exits at once (those runs then stall, and their users are told). With HEALTH_PORT it serves
 * /healthz, /readyz (Redis answers and the sandbox works) and /metrics. On a host where the sandbox
 * cannot work it takes no jobs: it prints what is missing and, with HEALTH_PORT, stays up not ready.
 */
async function main() {
  const config = loadConfig();
  log.level = config.LOG_LEVEL ?? "info";
  if (!config.REDIS_URL) throw new ConfigError("REDIS_URL: a standalone worker needs the Redis server the bot uses, e.g. redis://host:6379.");
  // A host where the sandbox cannot work takes no jobs; it says why here, in /readyz and in `loopy doctor`.
  const sandbox = await checkSandbox({ pythons: offeredPythons(config).pythons });
  for (const problem of sandbox.problems) console.error(`Loopy's worker cannot run learners' code on this host: ${problem}`);
  if (!sandbox.ok && config.HEALTH_PORT === undefined) process.exit(1);
  // The worker may take a job before it has finished starting, so a SIGTERM that early waits for the
  // start and then lets the job finish.
  const worker = sandbox.ok ? startRunWorker(config, config.REDIS_URL) : undefined;
  let health: HealthServer | undefined;
  shutDownOnSignals([
    { name: "run worker (finishing the runs in progress)", run: async () => (await worker)?.close() },
    { name: "health endpoint", run: () => health?.close() },
  ]);
  await worker;
  if (config.HEALTH_PORT !== undefined) {
    health = await startHealthServer({
      port: config.HEALTH_PORT,
      redisUrl: config.REDIS_URL,
      runQueuePrefix: config.RUN_QUEUE_PREFIX,
      sandboxProblems: async () => (await checkSandbox({ pythons: offeredPythons(config).pythons })).problems,
    });
  }
}

main().catch((error: unknown) => {
  console.error(`Loopy's worker cannot start: ${(error as Error).message}`);
  if (!(error instanceof ConfigError)) log.error({ err: error }, "worker start-up failed");
  process.exit(1);
});
