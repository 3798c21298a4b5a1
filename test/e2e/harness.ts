import { expect } from "vitest";
import { startApp, type App } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config.js";
import { createDiscordClient, startDiscordBot } from "../../src/discord/bot.js";
import { DiscordChannelPoster } from "../../src/discord/channel-poster.js";
import { deployCommands } from "../../src/discord/deploy.js";
import { log } from "../../src/log.js";
import { FakeDiscord, type FakeDiscordOptions } from "../fake-discord/fake-discord.js";

export interface Running {
  discord: FakeDiscord;
  app: App;
  config: Config;
  stop(): Promise<void>;
}

/**
 * Loopy as `npm start` runs it, against the fake Discord: commands deployed to its first guild, the app
 * on the suite's Redis (its own run-queue prefix), the real discord.js client logged in over loopback.
 * `fake` shapes the fake Discord (how many shards it asks for).
 */
export async function startLoopyOnFakeDiscord(settings: Record<string, string> = {}, fake: FakeDiscordOptions = {}): Promise<Running> {
  log.level = process.env.LOG_LEVEL ?? "warn";
  const discord = await FakeDiscord.start(fake);
  const config = loadConfig({
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    RUN_QUEUE_PREFIX: `e2e-${process.pid}-${Date.now()}`,
    ...settings,
  });
  await deployCommands(config, { guildId: discord.guildId });
  const client = createDiscordClient(config);
  const app = await startApp(config, process.env.REDIS_URL!, { poster: new DiscordChannelPoster(client) });
  const bot = await startDiscordBot(app, { client });
  return {
    discord,
    app,
    config,
    async stop() {
      await bot.stop();
      await app.stop();
      await discord.close();
    },
  };
}

/** Every request so far would have been accepted by Discord. */
export function expectDiscordAcceptedEverything(discord: FakeDiscord): void {
  expect(discord.problems()).toEqual([]);
}
