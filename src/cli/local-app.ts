import { startApp, type App } from "../app.js";
import { loadConfig } from "../config.js";
import { log } from "../log.js";
import { startScratchRedis } from "../store/redis-server.js";

/**
 * The app for a one-shot command line: REDIS_URL when set, else a throw-away redis-server
 * (never the console's own data, which a running `npm start` may be using).
 */
export async function withLocalApp<T>(use: (app: App) => Promise<T>): Promise<T> {
  const config = loadConfig();
  log.level = config.LOG_LEVEL ?? "warn";
  const redis = config.REDIS_URL ? undefined : await startScratchRedis();
  const app = await startApp(config, config.REDIS_URL ?? redis!.url);
  try {
    return await use(app);
  } finally {
    await app.stop();
    await redis?.stop();
  }
}
