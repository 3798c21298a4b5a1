import { ConfigError, loadConfig } from "../config.js";
import { log } from "../log.js";
import { startRunWorker } from "./run-worker.js";

/**
 * `npm run worker`: a standalone /run worker for any host that reaches REDIS_URL. On SIGTERM or SIGINT
 * it stops taking jobs and finishes the runs in progress; a second signal exits at once (those runs
 * then stall, and their users are told).
 */
async function main() {
  const config = loadConfig();
  if (!config.REDIS_URL) throw new ConfigError("REDIS_URL: a standalone worker needs the Redis server the bot uses, e.g. redis://host:6379.");
  const worker = await startRunWorker(config, config.REDIS_URL);
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      log.info({ signal }, "worker stopping: finishing the runs in progress");
      worker.close().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, "worker did not stop cleanly");
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(`Loopy's worker cannot start: ${(error as Error).message}`);
  if (!(error instanceof ConfigError)) log.error({ err: error }, "worker start-up failed");
  process.exit(1);
});
