import { describe, expect, it } from "vitest";
import { codeForm, runFailureReply, runResultReply } from "../../src/core/run/reply.js";
import { renderForDiscord } from "../../src/discord/render.js";
import { DEFAULT_LIMITS } from "../../src/core/run/limits.js";
import { runInSandbox } from "../../src/sandbox/sandbox.js";
import { outputFromPieces, type OutputPiece, type RunResult } from "../../src/core/run/protocol.js";
import { loadContent } from "../../src/core/content/load.js";

function result(overrides: Partial<RunResult> & { output?: string; pieces?: OutputPiece[] } = {}): RunResult {
  const { output = "hi\n", pieces, ...rest } = overrides;
  return {
    outcome: "ok",
    limit: null,
    exitCode: 0,
    signal: null,
    ...outputFromPieces(pieces ?? (output === "" ? [] : [{ stream: "stdout", text: output, atMs: 1 }])),
    capped: [],
    wallMs: 23,
    cpuMs: 18,
    truncated: false,
    python: "3.11.7",
    ...rest,
  };
}

const code = 'print("hi")';

/** The status card, under the card showing the code. */
function card(reply: ReturnType<typeof runResultReply>) {
  return reply.cards![1]!;
}

/** Discord's limits on what the reply becomes. */
function expectWithinDiscordLimits(reply: ReturnType<typeof runResultReply>) {
  const { body } = renderForDiscord(reply);
  const embeds = body.embeds ?? [];
  for (const embed of embeds) expect(embed.description!.length).toBeLessThanOrEqual(4096);
  const total = embeds.reduce(
    (sum, embed) => sum + (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0) +
      (embed.fields ?? []).reduce((fields, field) => fields + field.name.length + field.value.length, 0),
    0,
  );
  expect(total).toBeLessThanOrEqual(6000);
  for (const [, customId] of JSON.stringify(body.components).matchAll(/"custom_id":"([^"]*)"/g)) expect(customId!.length).toBeLessThanOrEqual(100);
}

describe("the reply to a finished run", () => {
  it("offers a Run in 3.x button for every other Python offered, and Run again keeps the one that ran", () => {
    const reply = runResultReply(result({ python: "3.14.10" }), DEFAULT_LIMITS, code, "abc123", { pythons: { versions: ["3.11", "3.13", "3.14", "3.15"], default: "3.15" } });
    expect(reply.buttons![0]![0]).toMatchObject({ label: "Run again", action: "run:again:abc123:3.14" });
    expect(reply.buttons![1]).toEqual(["3.11", "3.13", "3.15"].map((version) => ({ label: `Run in ${version}`, action: `run:again:abc123:${version}`, style: "secondary" })));
  });

  it("shows where pending tasks were waiting (3.14+) in a bounded code block the text cannot leave", () => {
    const graph = "* Task(name='Task-2', id=0x7f00)\n  + Call stack:\n  |   File '/tmp/main.py', line 4, in async worker()\n```@everyone\n" + "  |   filler line\n".repeat(400);
    const timeline = { tasks: [], waits: [], wallMs: 5, droppedSteps: 0, droppedTasks: 0, callGraph: graph };
    const reply = runResultReply(result({ timeline }), DEFAULT_LIMITS, code, "abc123");
    const shown = reply.cards!.find((each) => each.title === "Where tasks were waiting")!;
    expect(shown.body!.startsWith("```\n* Task(name='Task-2')\n")).toBe(true);
    expect(shown.body!.match(/```/g)).toHaveLength(2);
    expect(shown.body).not.toContain("@everyone");
    expect(shown.body!.length).toBeLessThan(1400);
    expect(shown.body).toMatch(/… \d+ more lines\n```$/);
    expectWithinDiscordLimits(reply);
  });

  it("shows the status, the output in a code block, times, Python version and the buttons", () => {
    const reply = runResultReply(result(), DEFAULT_LIMITS, code, "abc123");
    expect(card(reply)).toMatchObject({ title: "Finished", tone: "success", body: "```\nhi\n```" });
    expect(card(reply).fields).toEqual([
      { name: "Time", value: "23 ms", inline: true },
      { name: "CPU", value: "18 ms", inline: true },
      { name: "Python", value: "3.11.7", inline: true },
    ]);
    expect(reply.buttons).toEqual([
      [
        { label: "Run again", action: "run:again:abc123:3.11", style: "primary" },
        { label: "Edit and run", action: "run:edit:abc123:3.11", style: "secondary" },
      ],
    ]);
    expect(reply.attachments).toBeUndefined();
    expectWithinDiscordLimits(reply);
  });

  it("says when there was no output", () => {
    expect(card(runResultReply(result({ output: "" }), DEFAULT_LIMITS, code, "id")).body).toBe("*(no output)*");
  });

  it("names an error with its exit code, and a signal", () => {
    expect(card(runResultReply(result({ outcome: "error", exitCode: 1 }), DEFAULT_LIMITS, code, "id"))).toMatchObject({ title: "Finished with an error (exit code 1)", tone: "error" });
    expect(card(runResultReply(result({ outcome: "error", exitCode: null, signal: "SIGSEGV" }), DEFAULT_LIMITS, code, "id")).title).toBe("Ended by signal SIGSEGV");
  });

  it.each([
    ["time", "Your program was stopped: it ran for more than 6 s."],
    ["cpu", "Your program was stopped: it used more than 5 s of CPU time."],
    ["memory", "Your program was stopped: it used more than 100 MiB of memory."],
    ["processes", "Your program was stopped: it tried to run more than 32 processes and threads at once."],
    ["output", "Your program was stopped: it printed more than 1 MiB."],
  ] as const)("names the %s limit in plain words", (limit, sentence) => {
    const reply = runResultReply(result({ outcome: "limit", limit, exitCode: null, signal: "SIGKILL" }), DEFAULT_LIMITS, code, "id");
    expect(card(reply)).toMatchObject({ title: "Stopped by a limit", tone: "warning" });
    expect(card(reply).body!.startsWith(`${sentence}\n\`\`\``)).toBe(true);
  });

  it("numbers the lines of output longer than one line", () => {
    const output = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
    const body = card(runResultReply(result({ output }), DEFAULT_LIMITS, code, "id")).body!;
    expect(body).toContain("```\n 1 │ line 1\n 2 │ line 2\n");
    expect(body).toContain("12 │ line 12\n```");
  });

  it("defuses mentions and cannot be broken out of", () => {
    const output = "@everyone @here <@123456789012345678> <@&42> <#99>\n```\n**bold**\n";
    const reply = runResultReply(result({ output }), DEFAULT_LIMITS, code, "id");
    const body = card(reply).body!;
    expect(body).not.toMatch(/@everyone|@here|<@\d|<@&\d|<#\d/);
    expect(body).toContain("@\u200beveryone");
    expect(body).toContain("<@\u200b123456789012345678>");
    // The only fences are the block's own: first and last line.
    expect(body.split("\n").filter((line) => line.includes("```"))).toEqual(["```", "```"]);
    expect(renderForDiscord(reply).body.allowed_mentions).toEqual({ parse: [] });
  });

  it("cuts long output to fit Discord and attaches all of it", () => {
    const output = Array.from({ length: 500 }, (_, i) => `${i}: ${"x".repeat(60)}`).join("\n") + "\n";
    const reply = runResultReply(result({ output }), DEFAULT_LIMITS, code, "id");
    expect(card(reply).body).toMatch(/\n… \d+ more lines in output\.txt$/);
    expect(reply.attachments).toEqual([{ name: "output.txt", data: Buffer.from(output), description: "Everything your code printed" }]);
    expectWithinDiscordLimits(reply);
  });

  it("cuts one enormous line instead of dropping it", () => {
    const output = "y".repeat(100_000);
    const reply = runResultReply(result({ output, outcome: "limit", limit: "output", truncated: true }), DEFAULT_LIMITS, code, "id");
    expect(card(reply).body).toMatch(/```\nyyy+…\n```\n… the rest is in output\.txt$/);
    expect(reply.attachments![0]!.data.length).toBe(100_000);
    expectWithinDiscordLimits(reply);
  });

  it("keeps stdout and stderr in the order written", () => {
    const pieces = [
      { stream: "stdout" as const, text: "before\n", atMs: 1 },
      { stream: "stderr" as const, text: "Traceback…\nValueError: boom\n", atMs: 2 },
    ];
    const body = card(runResultReply(result({ outcome: "error", exitCode: 1, pieces }), DEFAULT_LIMITS, code, "id")).body!;
    expect(body).toContain("1 │ before\n2 │ Traceback…\n3 │ ValueError: boom");
  });

  it("explains that input() ran out of input, pointing to the Input box", () => {
    const stderr = 'Traceback (most recent call last):\n  File "/tmp/main.py", line 1, in <module>\nEOFError: EOF when reading a line\n';
    const reply = runResultReply(result({ outcome: "error", exitCode: 1, pieces: [{ stream: "stderr", text: stderr, atMs: 3 }] }), DEFAULT_LIMITS, "input()", "id");
    expect(card(reply).fields!.find((field) => field.name === "Hint (line 1)")!.value).toMatch(/the \*\*Input\*\* box of the \/run form/);
    expect(card(runResultReply(result(), DEFAULT_LIMITS, code, "id")).fields!.some((field) => field.name.startsWith("Hint"))).toBe(false);
  });

  it("offers Edit and run only for code that fits a Discord form", () => {
    const long = "x = 1\n".repeat(700);
    expect(runResultReply(result(), DEFAULT_LIMITS, long, "id").buttons).toEqual([[{ label: "Run again", action: "run:again:id:3.11", style: "primary" }]]);
  });
});

describe("the reply to an asyncio run", () => {
  const blocking = "import asyncio, time\n\nasync def work():\n    time.sleep(0.2)\n\nasync def main():\n    await asyncio.gather(work(), work(), work())\n\nasyncio.run(main())\n";

  it("shows the event loop as a picture with a text version, and explains the blocking call", async () => {
    const ran = await runInSandbox(blocking);
    const { concepts } = loadContent("content");
    const reply = runResultReply(ran, DEFAULT_LIMITS, blocking, "id", { titles: (concept) => concepts.get(concept)?.title });
    const [, , loopCard] = reply.cards!;
    expect(loopCard!.title).toBe("What the event loop did");
    expect(loopCard!.image).toBe("timeline.png");
    expect(loopCard!.body).toMatch(/^```\n4 tasks in /);
    const picture = reply.attachments!.find((attachment) => attachment.name === "timeline.png")!;
    expect(picture.data.subarray(1, 4).toString()).toBe("PNG");
    expect(card(reply).fields!.find((field) => field.name === "Hint (line 4)")!.value).toMatch(/time\.sleep\(\)/);
    // Labelled by the concept's title, not its id.
    const title = concepts.get("blocking-the-loop")!.title;
    expect(title).not.toBe("blocking the loop");
    expect(reply.buttons![1]).toEqual([{ label: `Explain: ${title}`, action: "explain:show:blocking-the-loop", style: "secondary" }]);
    expectWithinDiscordLimits(reply);
  }, 30_000);

  it("keeps a long output and the timeline together within Discord's 6000 characters", async () => {
    const noisy = "import asyncio\n\nasync def main():\n    for i in range(3000):\n        print(i, 'x' * 60)\n\nasyncio.run(main())\n";
    const reply = runResultReply(await runInSandbox(noisy), DEFAULT_LIMITS, noisy, "id");
    expect(reply.attachments!.map((attachment) => attachment.name).sort()).toEqual(["output.txt", "timeline.png"]);
    expectWithinDiscordLimits(reply);
  }, 30_000);
});

describe("the other run answers", () => {
  it("says why a run has no result, with Run again", () => {
    const reply = runFailureReply("The worker running your code stopped.", "id");
    expect(reply.cards![0]).toMatchObject({ title: "No result", body: "The worker running your code stopped.", tone: "error" });
    expect(reply.buttons![0]![0]).toMatchObject({ action: "run:again:id" });
  });

  it("asks for code in a form, pre-filled for Edit and run within Discord's 4,000 characters", () => {
    expect(codeForm().inputs[0]).toMatchObject({ id: "code", multiline: true, value: undefined, maxLength: 4000 });
    expect(codeForm().inputs[1]).toMatchObject({ id: "input", multiline: true, required: false, value: undefined, maxLength: 4000 });
    expect(codeForm({ code, stdin: "Ada" })).toMatchObject({ action: "run:form", inputs: [{ value: code }, { value: "Ada" }] });
  });
});

describe("the code is part of every result", () => {
  it("shows short code whole above the result, with its input", () => {
    const reply = runResultReply(result(), DEFAULT_LIMITS, 'name = input()\nprint("hi", name)', "id", { stdin: "Ada\n" });
    expect(reply.cards![0]).toEqual({
      title: "Code",
      body: '```py\nname = input()\nprint("hi", name)\n```',
      fields: [{ name: "Input", value: "```\nAda\n```" }],
      tone: "info",
    });
    expect(reply.attachments).toBeUndefined();
  });

  it("shows the first lines of long code and attaches all of it as main.py", () => {
    const long = Array.from({ length: 300 }, (_, index) => `print(${index})`).join("\n");
    const reply = runResultReply(result(), DEFAULT_LIMITS, long, "id");
    expect(reply.cards![0]!.title).toBe("Code (300 lines)");
    expect(reply.cards![0]!.body).toBe("```py\nprint(0)\nprint(1)\nprint(2)\nprint(3)\nprint(4)\nprint(5)\nprint(6)\nprint(7)\n```\n… all 300 lines are in main.py");
    expect(reply.attachments?.map((attachment) => [attachment.name, attachment.data.toString()])).toEqual([["main.py", long]]);
    expectWithinDiscordLimits(reply);
  });

  it("cannot break out of its code block, and long input is cut with …", () => {
    const reply = runResultReply(result(), DEFAULT_LIMITS, 'print("```")', "id", { stdin: "x".repeat(1000) });
    expect(reply.cards![0]!.body).toBe('```py\nprint("`\u200b`\u200b`")\n```');
    expect(reply.cards![0]!.fields![0]!.value).toBe(`\`\`\`\n${"x".repeat(300)}\n…\n\`\`\``);
  });
});
