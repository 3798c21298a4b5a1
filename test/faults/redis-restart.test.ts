import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.js";
import { ask } from "../../src/cli/ask.js";
import { loadConfig } from "../../src/config.js";
import type { LocalEvent } from "../../src/console/local-interaction.js";
import { renderForConsole } from "../../src/console/render-text.js";
import { log } from "../../src/log.js";
import { RestartableRedis } from "./redis-process.js";

/** What the user of `loopy ask` reads: every reply of the command, as text. */
async function answer(app: App, line: string): Promise<string> {
  const events = await ask(app, line);
  if (typeof events === "string") throw new Error(events);
  return events.flatMap((event: LocalEvent) => ("reply" in event ? [renderForConsole(event.reply).text] : [])).join("\n");
}

let redis: RestartableRedis;
let app: App;

beforeAll(async () => {
  log.level = process.env.LOG_LEVEL ?? "silent";
  redis = await RestartableRedis.start();
  app = await startApp(loadConfig({ RUN_WORKERS_IN_PROCESS: "true", SANDBOX_POOL_SIZE: "1" }), redis.url);
});

afterAll(async () => {
  await app?.stop();
  await redis?.stop();
});

describe("Redis restarted while Loopy runs", () => {
  it("reconnects by itself and answers the next /run and /explain", { timeout: 60_000 }, async () => {
    // The code shows 6 * 7, only the run's output shows 42.
    expect(await answer(app, "run code:print(6 * 7)")).toContain("42");

    await redis.restart();
    // The app's connections find the server again on their own (ioredis retries within ~2 s).
    await expect.poll(() => app.services.redis.ping().catch(() => "down"), { timeout: 10_000 }).toBe("PONG");

    const afterRestart = await answer(app, "run code:print(6 * 8)");
    expect(afterRestart).toContain("48");
    expect(await answer(app, "explain topic:gather")).toMatch(/gather/i);
  });
});
