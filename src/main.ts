import { join } from "node:path";
import { startApp, type App } from "./app.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { ConsolePoster } from "./console/console-poster.js";
import { ContentError } from "./core/content/load.js";
import { startHealthServer } from "./health/server.js";
import { shutDownOnSignals } from "./shutdown.js";
import { log, sendLogsToFile } from "./log.js";
import { startEmbeddedRedis, type EmbeddedRedis } from "./store/redis-server.js";

/**
 * discord.js is loaded only for Discord. Its client is made before the app, so that the daily quiz
 * posts through the client the bot logs in with.
 */
async function discordAdapter(config: Config) {
  const [{ createDiscordClient, startDiscordBot }, { DiscordChannelPoster }] = await Promise.all([import("./discord/bot.js"), import("./discord/channel-poster.js")]);
  const client = createDiscordClient(config);
  return { poster: new DiscordChannelPoster(client), start: (app: App) => startDiscordBot(app, { client }) };
}

/**
 * `npm start`: with DISCORD_TOKEN the bot logs in to Discord; without it the local console opens,
 * driving the same commands, queue, workers and sandbox from the terminal. Without REDIS_URL a private
 * redis-server is started with its data in LOOPY_DATA_DIR. With HEALTH_PORT, /healthz, /readyz and
 * /metrics are served there.
 */
async function main() {
  const config = loadConfig();
  log.level = config.LOG_LEVEL ?? "info";
  const consoleMode = config.DISCORD_TOKEN === undefined;
  if (consoleMode) sendLogsToFile(join(config.LOOPY_DATA_DIR, "loopy.log"));
  let embedded: EmbeddedRedis | undefined;
  if (!config.REDIS_URL) embedded = await startEmbeddedRedis({ dataDir: join(config.LOOPY_DATA_DIR, "redis"), persistent: true });
  const redisUrl = config.REDIS_URL ?? embedded!.url;
  const discord = consoleMode ? undefined : await discordAdapter(config);
  const consolePoster = consoleMode ? new ConsolePoster() : undefined;
  const app = await startApp(config, redisUrl, { poster: discord?.poster ?? consolePoster });
  const health = config.HEALTH_PORT === undefined ? undefined : await startHealthServer({ port: config.HEALTH_PORT, redisUrl, runQueuePrefix: config.RUN_QUEUE_PREFIX, needsRunWorker: true });
  let bot: { stop(): Promise<void> } | undefined;
  // No new interactions first; then the work in progress ends (waiting runs are told, the in-process
  // worker finishes its runs, a daily post completes); then the connections; the embedded Redis last.
  const shutDown = shutDownOnSignals([
    { name: "Discord gateway", run: () => bot?.stop() },
    { name: "run queue, workers and daily quiz", run: () => app.stop() },
    { name: "health endpoint", run: () => health?.close() },
    { name: "embedded Redis", run: () => embedded?.stop() },
  ]);
  if (consoleMode) {
    const { runConsole } = await import("./console/console.js");
    await runConsole(app, consolePoster!);
    shutDown("console closed");
    return;
  }
  bot = await discord!.start(app).catch((error: unknown) => {
    throw new Error(
      `could not log in to Discord: ${(error as Error).message}. Check DISCORD_TOKEN and this machine's access to Discord; \`npx loopy doctor\` checks both.`,
    );
  });
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
