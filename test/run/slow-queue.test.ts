import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as run from "../../commands/run.js";
import { LocalInteraction, type LocalEvent } from "../../src/console/local-interaction.js";
import { loadConfig } from "../../src/config.js";
import type { RunService } from "../../src/core/run/request.js";
import { FIRST_ANSWER_MS } from "../../src/core/run/handler.js";
import type { Services } from "../../src/core/services.js";
import { createRunService } from "../../src/queue/run-service.js";
import { startScratchRedis, type EmbeddedRedis } from "../../src/store/redis-server.js";

/** A Redis of this test's own, frozen with SIGSTOP as an overloaded server would stall. */
let server: EmbeddedRedis;
let runs: RunService;
let redis: Redis;

beforeAll(async () => {
  server = await startScratchRedis();
  runs = await createRunService(loadConfig({ SANDBOX_POOL_SIZE: "1" }), server.url);
  redis = new Redis(server.url);
});

afterAll(async () => {
  process.kill(server.pid, "SIGCONT");
  await runs.close();
  redis.disconnect();
  await server.stop();
});

describe("a /run while Redis stalls", () => {
  it("defers within Discord's 3 seconds, then answers with the result once Redis is back", { timeout: 60_000 }, async () => {
    const services = { config: loadConfig({}), redis, runs } as Partial<Services> as Services;
    const place = { user: { id: "ada", name: "ada" }, guildId: "guild", channelId: "channel", canManageServer: false };
    const started = Date.now();
    const events: (LocalEvent & { afterMs: number })[] = [];
    const interaction = new LocalInteraction(services, place, (event) => events.push({ ...event, afterMs: Date.now() - started }));

    process.kill(server.pid, "SIGSTOP");
    const handled = run.execute(Object.assign(interaction, { options: { code: 'print("still here")' } }));
    await new Promise((wait) => setTimeout(wait, FIRST_ANSWER_MS + 1_000));
    expect(events.map((event) => event.kind)).toEqual(["defer"]);
    expect(events[0]!.afterMs).toBeLessThan(3_000);

    process.kill(server.pid, "SIGCONT");
    await handled;
    expect(events.map((event) => event.kind)).toEqual(["defer", "edit"]);
    const edit = events[1]!;
    expect("reply" in edit && edit.reply.cards![1]!.body).toContain("still here");
  });
});
