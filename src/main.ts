import { join } from "node:path";
import { startApp, type App } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { ContentError } from "./core/content/load.js";
import { log, sendLogsToFile } from "./log.js";
import { startEmbeddedRedis, type EmbeddedRedis } from "./store/redis-server.js";

/**
 * `npm start`: with DISCORD_TOKEN the bot logs in to Discord; without it the local console opens,
 * driving the same commands, queue, workers and sandbox from the terminal. Without REDIS_URL a private
 * redis-server is started with its data in LOOPY_DATA_DIR.
 */
async function main() {
  const config = loadConfig();
  const consoleMode = config.DISCORD_TOKEN === undefined;
  if (consoleMode) sendLogsToFile(join(config.LOOPY_DATA_DIR, "loopy.log"));
  let embedded: EmbeddedRedis | undefined;
  if (!config.REDIS_URL) embedded = await startEmbeddedRedis({ dataDir: join(config.LOOPY_DATA_DIR, "redis"), persistent: true });
  const app: App = await startApp(config, config.REDIS_URL ?? embedded!.url);
  const stop = async () => {
    await app.stop();
    await embedded?.stop();
  };
  if (consoleMode) {
    const { runConsole } = await import("./console/console.js");
    await runConsole(app);
    await stop();
    process.exit(0);
  }
  const { startDiscordBot } = await import("./discord/bot.js");
  const bot = await startDiscordBot(app);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, async () => {
      log.info({ signal }, "shutting down");
      await bot.stop();
      await stop();
      process.exit(0);
    });
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof ContentError) {
    console.error(`Loopy cannot start: ${error.message}`);
  } else {
    console.error(`Loopy cannot start: ${(error as Error).message}`);
    log.error({ err: error }, "start-up failed");
  }
  process.exit(1);
});
