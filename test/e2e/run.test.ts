import { ComponentType, InteractionResponseType, MessageFlags, TextInputStyle } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApiMessage, SentInteraction } from "../fake-discord/fake-discord.js";
import { expectDiscordAcceptedEverything, startLoopyOnFakeDiscord, type Running } from "./harness.js";
import { loadConfig } from "../../src/config.js";
import { offeredPythons } from "../../src/sandbox/userlands.js";

const offered = offeredPythons(loadConfig());
/** What /run offers on this machine: every installed Python, the newest stable one by default. */
const PYTHONS = { versions: offered.pythons.map((python) => python.version), default: offered.default.version };

let loopy: Running;

beforeAll(async () => {
  loopy = await startLoopyOnFakeDiscord({
    // The real sandbox, worked by this process's own run worker.
    RUN_WORKERS_IN_PROCESS: "true",
    // Every test runs code as the same few users, faster than learners would.
    RUNS_PER_MINUTE: "100",
    // An infinite loop is stopped after one second instead of five.
    SANDBOX_CPU_MS: "1000",
  });
});
afterAll(() => loopy?.stop());
afterEach(() => expectDiscordAcceptedEverything(loopy.discord));

type Control = { type: number; custom_id?: string; label?: string };
const controlsOf = (message: ApiMessage) => (message.components as { components: Control[] }[]).flatMap((row) => row.components);
const buttonId = (message: ApiMessage, label: string) => controlsOf(message).find((control) => control.label === label)!.custom_id!;

/** The output lines a run's answer shows (in the embed under the one showing the code), without the line numbers Loopy puts before each. */
function shownOutput(message: ApiMessage): string[] {
  const block = /```\n([\s\S]*?)\n```/.exec(message.embeds[1].description)?.[1];
  if (block === undefined) throw new Error(`the answer shows no output: ${message.embeds[1].description}`);
  return block.split("\n").map((line) => line.replace(/^ *\d+ │ /, ""));
}

/** A run is answered "thinking…" within Discord's 3 seconds, then that answer is edited into the result. */
async function runAnswer(sent: SentInteraction): Promise<ApiMessage> {
  expect((await sent.response()).body.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
  expect(sent.answeredAt! - sent.sentAt).toBeLessThan(3000);
  const edit = await sent.request(2, 20_000);
  expect(edit.method).toBe("PATCH");
  expect(edit.route).toMatch(/\/messages\/@original$/);
  return sent.original();
}

/** A refusal is a private "Sorry" at once, with nothing run. */
async function refusal(sent: SentInteraction): Promise<string> {
  const { body } = await sent.response();
  expect(body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
  expect(body.data.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  expect(body.data.embeds[0].title).toBe("Sorry");
  return body.data.embeds[0].description;
}

const FORM_PROGRAM = 'import asyncio\n\nasync def main():\n    print("hello from the form")\n\nasyncio.run(main())';

describe("/run through Discord", () => {
  it("runs /explain's example from its button: thinking at once, then the example's real output", async () => {
    const { discord, app } = loopy;
    const explain = discord.chatInput("explain", { topic: "gather" });
    await explain.response();
    const answer = await runAnswer(discord.clickButton(explain.original(), "run:example:gather"));
    expect(answer.embeds[1].title).toBe("Finished");
    const expected = app.services.content.concepts.get("gather")!.example.output.trimEnd().split("\n");
    const shown = shownOutput(answer);
    // The last line is the measured duration, which varies around the documented one.
    expect(shown.slice(0, -1)).toEqual(expected.slice(0, -1));
    expect(shown.at(-1)).toMatch(/^took 0\.\d s$/);
  });

  it("asks for code in a form, runs it, and offers Run again and Edit and run", async () => {
    const { discord } = loopy;
    const run = discord.chatInput("run");
    expect((await run.response()).body).toEqual({
      type: InteractionResponseType.Modal,
      data: {
        custom_id: "run:form",
        title: "Run Python",
        components: [
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.TextInput,
                custom_id: "code",
                label: "Python code",
                style: TextInputStyle.Paragraph,
                placeholder: expect.stringContaining("asyncio.run(main())"),
                required: true,
                max_length: 4000,
              },
            ],
          },
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.TextInput,
                custom_id: "input",
                label: "Input (what input() reads), optional",
                style: TextInputStyle.Paragraph,
                placeholder: expect.any(String),
                required: false,
                max_length: 4000,
              },
            ],
          },
          {
            type: ComponentType.Label,
            label: "Python version",
            component: {
              type: ComponentType.StringSelect,
              custom_id: "python",
              options: PYTHONS.versions.map((version) => ({ label: expect.stringContaining(`Python ${version}`), value: version, default: version === PYTHONS.default })),
              required: true,
            },
          },
        ],
      },
    });

    const answer = await runAnswer(discord.submitModal(run, { code: FORM_PROGRAM, input: "" }));
    // Everyone in the channel sees the code above what it printed.
    expect(answer.embeds[0]).toMatchObject({ title: "Code", description: `\`\`\`py\n${FORM_PROGRAM}\n\`\`\`` });
    expect(answer.embeds[1].title).toBe("Finished");
    expect(shownOutput(answer)).toEqual(["hello from the form"]);
    const fields = Object.fromEntries(answer.embeds[1].fields.map((field: { name: string; value: string }) => [field.name, field.value]));
    expect(fields).toEqual({ Time: expect.stringMatching(/^\d+ ms$|^\d+\.\d\d s$/), CPU: expect.stringMatching(/^\d+ ms$|^\d+\.\d\d s$/), Python: expect.stringMatching(/^3\.\d+/) });
    expect(fields.Python!.startsWith(`${PYTHONS.default}.`)).toBe(true);
    const others = PYTHONS.versions.filter((version) => version !== PYTHONS.default);
    expect(controlsOf(answer).map((control) => control.label)).toEqual(["Run again", "Edit and run", ...others.map((version) => `Run in ${version}`)]);

    const again = await runAnswer(discord.clickButton(answer, buttonId(answer, "Run again")));
    expect(shownOutput(again)).toEqual(["hello from the form"]);

    const edit = discord.clickButton(answer, buttonId(answer, "Edit and run"));
    const { body } = await edit.response();
    expect(body.type).toBe(InteractionResponseType.Modal);
    expect(body.data.components[0].components[0].value).toBe(FORM_PROGRAM);
    const edited = await runAnswer(discord.submitModal(edit, { code: FORM_PROGRAM.replace("the form", "an edit"), input: "" }));
    expect(shownOutput(edited)).toEqual(["hello from an edit"]);
  });

  it("gives the form's Input box to the program as its standard input, and keeps it for Run again and Edit and run", async () => {
    const { discord } = loopy;
    const run = discord.chatInput("run");
    await run.response();
    const code = 'name = input("Name? ")\nage = int(input())\nprint(f"{name} is {age}")';
    const answer = await runAnswer(discord.submitModal(run, { code, input: "Ada\n36\n" }));
    expect(answer.embeds[0].fields).toEqual([{ name: "Input", value: "```\nAda\n36\n```" }]);
    expect(shownOutput(answer)).toEqual(["Name? Ada is 36"]);
    expect(shownOutput(await runAnswer(discord.clickButton(answer, buttonId(answer, "Run again"))))).toEqual(["Name? Ada is 36"]);
    const edit = discord.clickButton(answer, buttonId(answer, "Edit and run"));
    // The text boxes (the version select after them is a label of its own).
    const rows: { components?: { value?: string }[] }[] = (await edit.response()).body.data.components;
    const boxes = rows.flatMap((row) => (row.components ? [row.components[0]!.value] : []));
    expect(boxes).toEqual([code, "Ada\n36\n"]);
  });

  it("points to the Input box when input() finds nothing to read", async () => {
    const { discord } = loopy;
    const answer = await runAnswer(discord.chatInput("run", { code: 'print("Hi", input())' }));
    const hint = answer.embeds[1].fields.find((field: { name: string }) => field.name.startsWith("Hint"));
    expect(hint.value).toContain("**Input** box of the /run form");
  });

  it("attaches long code as main.py and shows its first lines", async () => {
    const { discord } = loopy;
    const lines = Array.from({ length: 40 }, (_, index) => `x${index} = ${index}`).join("\n");
    const form = discord.chatInput("run");
    await form.response();
    const folded = await runAnswer(discord.submitModal(form, { code: `${lines}\nprint(x39)`, input: "" }));
    expect(folded.embeds[0].title).toBe("Code (41 lines)");
    expect(folded.embeds[0].description).toContain("… all 41 lines are in main.py");
    expect(folded.attachments.map((attachment: { filename: string }) => attachment.filename)).toEqual(["main.py"]);
    expect(shownOutput(folded)).toEqual(["39"]);
  });

  it("puts back the lines of a program pasted into the one-line code box, and says so", async () => {
    const { discord } = loopy;
    const answer = await runAnswer(discord.chatInput("run", { code: 'import asyncio async def main():     print("hi") asyncio.run(main())' }));
    expect(answer.content).toMatch(/^Your code arrived on one line .* I put its 4 lines back from the spacing: check the code below\./);
    expect(answer.embeds[0].description).toBe('```py\nimport asyncio\nasync def main():\n    print("hi")\nasyncio.run(main())\n```');
    expect(shownOutput(answer)).toEqual(["hi"]);
    expect(shownOutput(await runAnswer(discord.chatInput("run", { code: "```py print('fenced')```" })))).toEqual(["fenced"]);
  });

  it("offers the form for a joined paste whose lines cannot be told, and runs nothing", async () => {
    const { discord } = loopy;
    const run = discord.chatInput("run", { code: "import asyncio print(1)  # done" });
    const { body } = await run.response();
    expect(body.data.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(body.data.embeds[0].title).toBe("That looks like several lines joined into one");
    const form = discord.clickButton(run.original(), "run:open");
    expect((await form.response()).body).toMatchObject({ type: InteractionResponseType.Modal, data: { custom_id: "run:form" } });
  });

  it("runs on the Python chosen in the form, with /run python:, and with a Run in 3.x button", async () => {
    const { discord } = loopy;
    const [oldest, ...rest] = PYTHONS.versions;
    const version = (answer: any) =>
      answer.embeds.flatMap((embed: { fields?: { name: string; value: string }[] }) => embed.fields ?? []).find((field: { name: string }) => field.name === "Python").value as string;
    const form = discord.chatInput("run");
    await form.response();
    const chosen = await runAnswer(discord.submitModal(form, { code: 'import sys\nprint(sys.version_info[:2])', python: oldest! }));
    expect(version(chosen).startsWith(`${oldest}.`)).toBe(true);
    const [major, minor] = oldest!.split(".");
    expect(shownOutput(chosen)).toEqual([`(${major}, ${minor})`]);
    for (const other of rest) {
      const elsewhere = await runAnswer(discord.clickButton(chosen, buttonId(chosen, `Run in ${other}`)));
      expect(version(elsewhere).startsWith(`${other}.`)).toBe(true);
    }
    const again = await runAnswer(discord.clickButton(chosen, buttonId(chosen, "Run again")));
    expect(version(again).startsWith(`${oldest}.`)).toBe(true);
    const option = await runAnswer(discord.chatInput("run", { code: "print(1)", python: oldest! }));
    expect(version(option).startsWith(`${oldest}.`)).toBe(true);
    const refused = await discord.chatInput("run", { code: "print(1)", python: "3.12" }).response();
    expect(JSON.stringify(refused.body)).toContain("Python 3.12 is not offered here");
  });

  it("shows the start of a long output and attaches all of it as output.txt", async () => {
    const { discord } = loopy;
    const run = discord.chatInput("run", { code: 'print("\\n".join(f"line {i}" for i in range(1, 3001)))' });
    const answer = await runAnswer(run);
    const everything = Array.from({ length: 3000 }, (_, index) => `line ${index + 1}\n`).join("");

    // A multipart upload: the message as payload_json, the file beside it.
    const upload = run.requests[1]!;
    expect(upload.body.attachments).toEqual([{ id: "0", filename: "output.txt", description: expect.any(String) }]);
    expect(upload.files.map((file) => file.name)).toEqual(["output.txt"]);
    expect(upload.files[0]!.data.toString("utf8")).toBe(everything);

    expect(answer.attachments.map((attachment: { filename: string }) => attachment.filename)).toEqual(["output.txt"]);
    const shown = shownOutput(answer);
    expect(shown).toEqual(everything.split("\n").slice(0, shown.length));
    expect(answer.embeds[1].description).toContain(`… ${3000 - shown.length} more lines in output.txt`);
  });

  it("runs the ```py block of a message from its Run code menu", async () => {
    const { discord } = loopy;
    const content = "Why does this print three lines?\n```py\nfor word in ['from', 'a', 'message']:\n    print(word)\n```";
    const answer = await runAnswer(discord.messageCommand("Run code", { content }));
    expect(shownOutput(answer)).toEqual(["from", "a", "message"]);
  });

  it("works in a DM with the bot", async () => {
    const { discord } = loopy;
    const answer = await runAnswer(discord.chatInput("run", { code: 'print("hi from a DM")' }, { channelId: null }));
    expect(shownOutput(answer)).toEqual(["hi from a DM"]);
  });

  it("names the limit that stopped an endless loop", async () => {
    const { discord } = loopy;
    const answer = await runAnswer(discord.chatInput("run", { code: "while True: pass" }));
    expect(answer.embeds[1].title).toBe("Stopped by a limit");
    expect(answer.embeds[1].description).toMatch(/^Your program was stopped: it used more than 1 s of CPU time\./);
  });

  it("runs the code of a quiz question from the answer's Run the code button", async () => {
    const { discord, app } = loopy;
    const { questions } = app.services.content;
    // A topic and difficulty with one question only, so /quiz asks that one; its right answer is the output.
    const question = questions.find(
      (candidate) => candidate.kind === "predict-output" && questions.filter((other) => other.concept === candidate.concept && other.difficulty === candidate.difficulty).length === 1,
    )!;
    const quiz = discord.chatInput("quiz", { topic: question.concept, difficulty: question.difficulty }, { user: discord.users.bob });
    await quiz.response();
    const choice = controlsOf(quiz.original())[0]!.custom_id!;
    expect(choice).toContain(`:${question.id}:`);
    const feedback = discord.clickButton(quiz.original(), choice, { user: discord.users.bob });
    await feedback.response();

    const answer = await runAnswer(discord.clickButton(feedback.original(), `run:question:${question.id}`, { user: discord.users.bob }));
    expect(answer.embeds[1].title).toBe("Finished");
    expect(shownOutput(answer)).toEqual(question.choices[question.answer]!.split("\n"));
  });
});

describe("/run refuses what it cannot run, politely and privately", () => {
  it("a message whose code block is empty", async () => {
    const { discord } = loopy;
    expect(await refusal(discord.messageCommand("Run code", { content: "```py\n```" }))).toMatch(/^There is no code to run\./);
  });

  it("binary pasted into the form", async () => {
    const { discord } = loopy;
    const run = discord.chatInput("run");
    await run.response();
    expect(await refusal(discord.submitModal(run, { code: "\u007fELF\u0002\u0001\u0001\u0000\u0000" }))).toMatch(/binary data/);
  });

  it("code too long for Discord's inputs is stopped by Discord itself", () => {
    const { discord } = loopy;
    expect(() => discord.chatInput("run", { code: "#".repeat(6001) })).toThrow(/at most 6000/);
  });

  it("code too long for the form runs, but is not offered Edit and run", async () => {
    const { discord } = loopy;
    const code = `print("long")  # ${"x".repeat(4500)}`;
    const answer = await runAnswer(discord.chatInput("run", { code }));
    expect(shownOutput(answer)).toEqual(["long"]);
    expect(controlsOf(answer).map((control) => control.label)).not.toContain("Edit and run");
  });
});
