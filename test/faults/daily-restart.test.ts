import { spawn, type ChildProcess } from "node:child_process";
import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAILY_QUEUE } from "../../src/queue/daily-schedule.js";
import { readPost, writeSettings } from "../../src/store/daily-store.js";
import { startScratchRedis, type EmbeddedRedis } from "../../src/store/redis-server.js";
import { FakeDiscord } from "../fake-discord/fake-discord.js";
import { exitCodeOf } from "../wait.js";

/**
 * `npm start` as real processes against the fake Discord, on a Redis of this test's own: the daily quiz's
 * keys have no per-test prefix, so it must not share the suite's Redis with the e2e quiz tests.
 */
let redisServer: EmbeddedRedis;
let redis: Redis;
let discord: FakeDiscord;
const bots: ChildProcess[] = [];

beforeAll(async () => {
  redisServer = await startScratchRedis();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  discord = await FakeDiscord.start();
});

afterAll(async () => {
  for (const bot of bots) if (bot.exitCode === null && bot.signalCode === null) bot.kill("SIGKILL");
  redis?.disconnect();
  await discord?.close();
  await redisServer?.stop();
});

function startBot(): ChildProcess {
  // Node itself (not npx) so SIGTERM reaches the bot as it does in the container.
  const bot = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, REDIS_URL: redisServer.url, RUN_WORKERS_IN_PROCESS: "false" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  bots.push(bot);
  return bot;
}

describe("the bot restarted between a daily post and its reveal", () => {
  it("reveals the quiz exactly once, on the posted message, and does not post it again", { timeout: 90_000 }, async () => {
    const channelId = discord.channels.general.id;
    const today = new Date().toISOString().slice(0, 10);
    // Set up long ago for 00:00 UTC: today's quiz is owed, so the bot's start-up catch-up posts it now.
    await writeSettings(redis, discord.guildId, { channelId, time: "00:00", timeZone: "UTC", revealAfterMinutes: 60, paused: false, activeFrom: 0 });
    const isPost = (request: { method: string; route: string }) => request.method === "POST" && request.route === `/channels/${channelId}/messages`;
    const isEdit = (request: { method: string; route: string }) => request.method === "PATCH" && request.route.startsWith(`/channels/${channelId}/messages/`);

    const first = startBot();
    await discord.waitForRequest(isPost, 30_000);
    const queue = new Queue(DAILY_QUEUE, { connection: redis, prefix: "loopy" });
    const revealJobId = `reveal-${discord.guildId}-${today}`;
    await expect.poll(() => queue.getJobState(revealJobId), { timeout: 10_000 }).toBe("delayed");

    const firstExit = exitCodeOf(first);
    first.kill("SIGTERM");
    expect(await firstExit).toBe(0);

    // The hour passes while no bot runs.
    await (await Job.fromId(queue, revealJobId))!.promote();
    startBot();
    const edit = await discord.waitForRequest(isEdit, 30_000);
    const post = await readPost(redis, discord.guildId, today);
    expect(edit.route).toBe(`/channels/${channelId}/messages/${post!.messageId}`);
    expect(post!.revealed).toBe(true);

    // Time for a second reveal or a second post to show up, if either were going to.
    await new Promise((wait) => setTimeout(wait, 3_000));
    expect(discord.requests.filter(isPost)).toHaveLength(1);
    expect(discord.requests.filter(isEdit)).toHaveLength(1);
    expect(discord.problems()).toEqual([]);
    await queue.close();
  });
});
