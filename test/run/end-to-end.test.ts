import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as runCode from "../../commands/run-code.js";
import * as run from "../../commands/run.js";
import { LocalInteraction, type LocalEvent } from "../../src/console/local-interaction.js";
import { loadConfig } from "../../src/config.js";
import { loadContent } from "../../src/core/content/load.js";
import { ConceptIndex } from "../../src/core/content/search.js";
import type { Card } from "../../src/core/reply.js";
import type { RunRequest, RunService } from "../../src/core/run/request.js";
import type { Services } from "../../src/core/services.js";
import { createRunService } from "../../src/queue/run-service.js";

/** The whole path, as a user takes it: handler → run service → Redis → BullMQ worker → sandbox → reply. */
const redisUrl = process.env.REDIS_URL!;
const config = loadConfig({ RUN_QUEUE_PREFIX: `test-e2e-${process.pid}-${Date.now()}`, RUNS_PER_MINUTE: "3", SANDBOX_POOL_SIZE: "1", WORKER_CONCURRENCY: "2" });
let runs: RunService;
let services: Services;
const redis = new Redis(redisUrl);

beforeAll(async () => {
  runs = await createRunService(config, redisUrl);
  const content = loadContent("test/fixtures/content/valid");
  // /run uses none of the quiz services.
  services = { config, content, concepts: new ConceptIndex(content.concepts), redis, runs } as Partial<Services> as Services;
});

afterAll(async () => {
  await runs.close();
  redis.disconnect();
});

let users = 0;
function place() {
  const id = `user-${++users}`;
  return { user: { id, name: id }, guildId: "guild", channelId: "channel", canManageServer: false };
}

async function outcomeOf(request: RunRequest) {
  const admission = await runs.submit(request);
  if (!admission.accepted) throw new Error(admission.problem);
  return admission.outcome;
}

/** Runs a handler as Discord would and returns what it did. */
async function handle(use: (interaction: LocalInteraction) => Promise<void>, fields: Record<string, string> = {}, args: string[] = [], who = place()) {
  const events: LocalEvent[] = [];
  const interaction = new LocalInteraction(services, who, (event) => events.push(event), [], fields);
  interaction.args = args;
  await use(interaction);
  return events;
}

/** The card saying how it went: a run's result comes under the card showing its code. */
function cardOf(event: LocalEvent | undefined): Card {
  if (!event || !("reply" in event)) throw new Error(`expected a reply, got ${JSON.stringify(event)}`);
  const [first, second] = event.reply.cards!;
  return first!.title?.startsWith("Code") ? second! : first!;
}

const ASYNCIO_PROGRAM = `import asyncio

async def greet(name, delay):
    await asyncio.sleep(delay)
    print(f"hello {name}")

async def main():
    await asyncio.gather(greet("slow", 0.2), greet("fast", 0.1))

asyncio.run(main())
`;

describe("running code through the queue, a worker and the sandbox", () => {
  it('runs print("hi")', async () => {
    const outcome = await outcomeOf({ code: 'print("hi")', user: place().user, origin: "command" });
    if (!outcome.finished) throw new Error(outcome.problem);
    expect(outcome.result).toMatchObject({ outcome: "ok", stdout: "hi\n", exitCode: 0 });
    expect(outcome.result.python).toMatch(/^3\.\d+\.\d+$/);
  });

  it("runs an asyncio program", async () => {
    const outcome = await outcomeOf({ code: ASYNCIO_PROGRAM, user: place().user, origin: "command" });
    if (!outcome.finished) throw new Error(outcome.problem);
    expect(outcome.result.stdout).toBe("hello fast\nhello slow\n");
    expect(outcome.result.wallMs).toBeGreaterThanOrEqual(200);
  });

  it("names the limit that stopped a run, with the limits the worker used", async () => {
    const outcome = await outcomeOf({ code: "import time\ntime.sleep(10)", user: place().user, origin: "command", limits: { wallMs: 1000 } });
    if (!outcome.finished) throw new Error(outcome.problem);
    expect(outcome.result).toMatchObject({ outcome: "limit", limit: "time" });
    expect(cardOf({ kind: "edit", reply: await runs.reply({ code: "", stdin: "" }, outcome) }).body).toMatch(/^Your program was stopped: it ran for more than 1 s\./);
  });

  it("allows RUNS_PER_MINUTE runs a minute per user", async () => {
    const { user } = place();
    for (let i = 0; i < 3; i++) expect((await outcomeOf({ code: `print(${i})`, user, origin: "again" })).finished).toBe(true);
    const refused = await runs.submit({ code: "print(4)", user, origin: "again" });
    expect(refused).toEqual({ accepted: false, problem: expect.stringMatching(/^You have used your 3 runs for this minute/) });
  });
});

describe("the /run and Run code handlers", () => {
  it("/run without code shows the form", async () => {
    const events = await handle((interaction) => run.execute(Object.assign(interaction, { options: {} })));
    expect(events).toEqual([{ kind: "form", form: expect.objectContaining({ action: "run:form" }) }]);
  });

  it("/run code:… defers, then edits in the result with Run again / Edit and run", async () => {
    const events = await handle((interaction) => run.execute(Object.assign(interaction, { options: { code: 'print("one-liner")' } })));
    expect(events.map((event) => event.kind)).toEqual(["defer", "edit"]);
    expect(cardOf(events[1])).toMatchObject({ title: "Finished", body: "```\none-liner\n```" });
    const buttons = "reply" in events[1]! ? events[1].reply.buttons![0]! : [];
    const [again, edit] = buttons.map((button) => ("action" in button ? button.action : ""));
    expect(again).toMatch(/^run:again:/);

    const rerun = await handle((interaction) => run.components.again(interaction), {}, again!.split(":").slice(2));
    expect(cardOf(rerun[1]).body).toBe("```\none-liner\n```");
    const form = await handle((interaction) => run.components.edit(interaction), {}, edit!.split(":").slice(2));
    expect(form).toEqual([
      {
        kind: "form",
        form: expect.objectContaining({
          inputs: [expect.objectContaining({ value: 'print("one-liner")' }), expect.objectContaining({ id: "input", value: undefined }), expect.objectContaining({ id: "python", value: expect.stringMatching(/^3\.\d+$/) })],
        }),
      },
    ]);
  });

  it("answers bad input privately at once, without deferring", async () => {
    const events = await handle((interaction) => run.components.form(interaction), { code: "   " });
    expect(events).toEqual([{ kind: "reply", reply: expect.objectContaining({ private: true }) }]);
    expect(cardOf(events[0]).body).toMatch(/no code to run/);
  });

  it("runs a submitted form and an /explain example", async () => {
    const form = await handle((interaction) => run.components.form(interaction), { code: "print(6 * 7)" });
    expect(cardOf(form[1]).body).toBe("```\n42\n```");
    const example = await handle((interaction) => run.components.example(interaction), {}, ["alpha"]);
    expect(cardOf(example[1]).body).toBe("```\nalpha\n```");
    const missing = await handle((interaction) => run.components.example(interaction), {}, ["no-such-concept"]);
    expect(cardOf(missing[0]).body).toMatch(/no longer exists/);
  });

  it("a stored code id that expired gets a sentence", async () => {
    const events = await handle((interaction) => run.components.again(interaction), {}, ["expired-id"]);
    expect(cardOf(events[0]).body).toMatch(/no longer stored/);
  });

  it("Run code runs the Python blocks of a message", async () => {
    const message = "Why does this print 3?\n```py\nx = 1\n```\n```python\nprint(x + 2)\n```";
    const events = await handle((interaction) => runCode.execute(Object.assign(interaction, { options: { message } })));
    expect(cardOf(events[1]).body).toBe("```\n3\n```");
  });
});
