import { monitorEventLoopDelay } from "node:perf_hooks";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { RESULT_BOUNDS, type RunResult } from "../../src/core/run/protocol.js";
import type { RunService } from "../../src/core/run/request.js";
import type { Reply } from "../../src/core/reply.js";
import { renderForDiscord } from "../../src/discord/render.js";
import { createRunService } from "../../src/queue/run-service.js";
import { requireWorkingSandbox } from "../sandbox/helpers.js";

/**
 * What a run sends back is hostile: each program here attacks the crossing from the sandbox to the worker, to
 * Redis and to the bot, through real bubblewrap, a real Redis and real BullMQ. Every one must be answered, within
 * the documented bound of the stored result, with a true outcome and Markdown that does nothing.
 */
requireWorkingSandbox();

const redisUrl = process.env.REDIS_URL!;
const prefix = `test-hostile-results-${process.pid}`;
const config = loadConfig({ RUN_QUEUE_PREFIX: prefix, RUNS_PER_MINUTE: "100", SANDBOX_POOL_SIZE: "1", WORKER_CONCURRENCY: "2" });
const redis = new Redis(redisUrl);
let runs: RunService;

beforeAll(async () => {
  runs = await createRunService(config, redisUrl);
});

afterAll(async () => {
  await runs.close();
  redis.disconnect();
});

let users = 0;

/** Runs `code` through the queue as a new user; returns the result, the reply, the bytes stored and the worst event-loop stall. */
async function attack(code: string): Promise<{ result: RunResult; reply: Reply; storedBytes: number; stallMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const admission = await runs.submit({ code, user: { id: `attacker-${++users}`, name: "attacker" }, origin: "command" });
  if (!admission.accepted) throw new Error(admission.problem);
  const outcome = await admission.outcome;
  if (!outcome.finished) throw new Error(outcome.problem);
  const storedBytes = await redis.strlen(`${prefix}:run:result:${outcome.jobId}`);
  const reply = await runs.reply({ code, stdin: "" }, outcome);
  delay.disable();
  return { result: outcome.result, reply, storedBytes, stallMs: delay.max / 1e6 };
}

/** The Markdown of a reply outside code: with inline code and code blocks taken out, nothing that renders may remain. */
function expectInertMarkdown(reply: Reply) {
  const { body } = renderForDiscord(reply);
  for (const embed of body.embeds ?? []) {
    const texts = [embed.description ?? "", ...(embed.fields ?? []).flatMap((field) => [field.name, field.value])];
    for (const text of texts) {
      const outside = text.replace(/```[^\n]*\n[\s\S]*?\n```/g, "").replace(/`[^`\n]*`/g, "");
      expect(outside).not.toMatch(/\]\(|<@|<#|@everyone|@here|```/);
    }
    const blocks = (embed.description ?? "").match(/```/g) ?? [];
    expect(blocks.length % 2).toBe(0);
  }
  expect(body.allowed_mentions).toEqual({ parse: [] });
}

/** The card with the run's status (after the card showing the code). */
function statusCard(reply: Reply) {
  return reply.cards!.find((card) => card.fields?.some((field) => field.name === "Time"))!;
}

/** A program writing its own frames on the runner's frame descriptor (fd 4). */
const FRAMES = `import os, struct
def frame(kind, payload=b""):
    os.write(4, struct.pack(">cI", kind, len(payload)) + payload)
`;

describe("hostile results", () => {
  it("one character at a time on stdout and stderr by turns: merged into bounded pieces, answered without stalling the bot", async () => {
    const { result, reply, storedBytes, stallMs } = await attack(`import sys
for i in range(60000):
    (sys.stdout if i % 2 else sys.stderr).write("x")
    (sys.stdout if i % 2 else sys.stderr).flush()
`);
    expect(result.outcome).toBe("ok");
    expect(result.stdout.length + result.stderr.length).toBe(60000);
    expect(result.chunks.length).toBeLessThanOrEqual(RESULT_BOUNDS.chunks + 2);
    expect(result.capped.join(" ")).toContain("order");
    expect(storedBytes).toBeLessThan(200_000);
    expect(stallMs).toBeLessThan(1000);
    expectInertMarkdown(reply);
  });

  it("200,000 empty lines from an asyncio program get a reply, not an error", async () => {
    const { result, reply } = await attack(`import asyncio
async def main():
    for _ in range(200_000):
        print()
asyncio.run(main())
`);
    expect(result.outcome).toBe("ok");
    expect(statusCard(reply).title).toBe("Finished");
    expect(reply.attachments!.map((file) => file.name)).toEqual(expect.arrayContaining(["output.txt", "timeline.png"]));
  });

  it("a megabyte of alternating one-line prints stays near a megabyte in Redis", async () => {
    const { result, storedBytes } = await attack(`import sys
for i in range(120_000):
    print("line", i, file=sys.stderr if i % 2 else sys.stdout)
`);
    expect(result.truncated || result.outcome === "ok").toBe(true);
    expect(storedBytes).toBeLessThan(1.5 * 1024 * 1024);
  });

  it("a forged recording of one task with 100,000 waits is cut to the bounds, and the picture and hints survive it", async () => {
    const { result, reply, storedBytes, stallMs } = await attack(`${FRAMES}import json
steps = [[i * 0.01, i * 0.01 + 0.005, 0] for i in range(60_000)]
recording = {"version": 1, "wallMs": 700, "originMonotonicUs": 1, "droppedSteps": 0, "droppedTasks": 0,
             "waits": [{"kind": "sleep", "label": "L" * 900, "tasks": list(range(1, 5000))}],
             "tasks": [{"id": 1, "name": "\`[phish](https://evil.example)", "coro": "main\`<@&1>", "createdBy": "asyncio.run",
                        "createdMs": 0, "steps": steps, "finishedMs": 700, "outcome": "result"}]}
data = json.dumps(recording).encode()
for start in range(0, len(data), 4000):
    frame(b"T", data[start:start + 4000])
os._exit(0)
`);
    const timeline = result.timeline!;
    expect(timeline.tasks.reduce((sum, task) => sum + task.intervals.length, 0)).toBeLessThanOrEqual(RESULT_BOUNDS.intervals);
    expect(timeline.waits.every((wait) => wait.label.length <= RESULT_BOUNDS.label && (wait.taskIds?.length ?? 0) <= RESULT_BOUNDS.waitTasks)).toBe(true);
    expect(timeline.droppedSteps).toBeGreaterThan(50_000);
    expect(storedBytes).toBeLessThan(400_000);
    expect(stallMs).toBeLessThan(1000);
    expectInertMarkdown(reply);
  });

  it("a flood of empty snapshot frames is stopped as a limit, charged to the run", async () => {
    const { result } = await attack(`${FRAMES}while True:
    frame(b"P")
`);
    expect(result).toMatchObject({ outcome: "limit", limit: "frames" });
  });

  it("an exit status over 128 is an exit status, and a forged disk-full frame is nothing", async () => {
    const exited = await attack("import sys, time\ntime.sleep(0.02)\nsys.exit(152)");
    expect(exited.result).toMatchObject({ outcome: "error", limit: null, exitCode: 152 });
    expect(statusCard(exited.reply).title).toBe("Finished with an error (exit code 152, as a process ended by SIGXCPU reports)");
    const forged = await attack(`${FRAMES}frame(b"D")\nprint("fine")`);
    expect(forged.result).toMatchObject({ outcome: "ok", limit: null, stdout: "fine\n" });
  });

  it("backticks in the output cannot close Loopy's code block, and a qualname cannot speak in a hint", async () => {
    const fence = await attack('print("````\\n[click me](https://evil.example) @everyone <@&123>\\n```")');
    expectInertMarkdown(fence.reply);
    const named = await attack(`import asyncio
async def main():
    for _ in range(3):
        await asyncio.sleep(0.12)
main.__qualname__ = "x\`[Free Nitro](https://evil.example) <@&123> **Loopy says**"
asyncio.run(main())
`);
    const hint = statusCard(named.reply).fields!.find((field) => field.name.startsWith("Hint"));
    expect(hint?.value).toContain("awaited 3 slow things");
    expectInertMarkdown(named.reply);
  });

  it("malformed frames of every kind end only the report of that run", async () => {
    const { result } = await attack(`${FRAMES}import struct
frame(b"R", b'{"python": "3.99.0; rm -rf /"}')
frame(b"T", b"{not json")
frame(b"Z", b"unknown kind")
print("still here", flush=True)
os.write(4, struct.pack(">cI", b"o", 10_000_000))  # a length no frame can have: the rest of the stream is not read
print("lost")
`);
    expect(result).toMatchObject({ outcome: "ok", stdout: "still here\n" });
    expect(result.python).toMatch(/^3\.\d+\.\d+$/); // the runner's own report, not the forged one
    // The forged piece joins the recorder's own recording and spoils it: this run gets no picture, nothing more.
    expect(result.timeline).toBeUndefined();
  });
});
