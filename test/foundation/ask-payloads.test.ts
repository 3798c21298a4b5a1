import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.js";
import { ask, discordRequestFor } from "../../src/cli/ask.js";
import { loadConfig } from "../../src/config.js";
import { requestProblems } from "../fake-discord/validate.js";

let app: App;
beforeAll(async () => {
  app = await startApp(loadConfig({ REDIS_URL: process.env.REDIS_URL, RUN_QUEUE_PREFIX: "ask-payloads" }), process.env.REDIS_URL!);
});
afterAll(() => app.stop());

/** `loopy ask --json` is what other tools rely on: every body must be one Discord would accept. */
describe("loopy ask --json payloads pass Discord's API description", () => {
  it.each([
    "/explain topic:gather",
    "/explain topic:event loop",
    "/explain topic:no such thing at all",
    "/run code:print('hi @everyone')",
    "/run code:import asyncio; asyncio.run(asyncio.sleep(0.1))",
    "/run",
    "/quiz",
    "/quiz topic:gather difficulty:2",
    "/leaderboard",
    "/progress",
    "/daily status",
    "/daily preview",
    "/daily post-now",
    "/help",
    '/explain topic:"asyncio.gather()"',
    "/explain topic:semaphores",
    "/quiz topic:gahter",
    "/run code:print('hi', input())",
    '/run code:import asyncio async def main():     print("joined") asyncio.run(main())',
    "/run code:import asyncio print(1)  # a comment swallows the rest",
    "/run code:```py print('fenced')```",
    "/run code:import aiohttp",
    `/run code:${"x = 1; ".repeat(400)}print(x)`,
  ])("%s", async (line) => {
    const events = await ask(app, line);
    expect(Array.isArray(events)).toBe(true);
    expect((events as unknown[]).length).toBeGreaterThan(0);
    for (const event of events as Exclude<typeof events, string>) {
      const request = discordRequestFor(event);
      const route = request.path.replace("{interaction.id}", "1234567890123456789").replace(/\{[^}]+\}/g, "token");
      const files = (request.files ?? []).map((name) => ({ name, data: Buffer.from("x") }));
      expect(requestProblems({ method: request.method, route, body: request.body, files })).toEqual([]);
    }
  }, 30_000);
});
