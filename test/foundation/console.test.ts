import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exitCodeOf, waitUntil } from "../wait.js";

const dataDirs: string[] = [];
afterAll(() => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** `npm start` without DISCORD_TOKEN and REDIS_URL: the console with its own embedded Redis and data folder. */
function startConsole() {
  const dataDir = mkdtempSync(join(tmpdir(), "loopy-console-"));
  dataDirs.push(dataDir);
  const env = { ...process.env, LOOPY_DATA_DIR: dataDir, DISCORD_TOKEN: "", REDIS_URL: "" };
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { env, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (data: Buffer) => (output += data.toString()));
  child.stderr.on("data", (data: Buffer) => (output += data.toString()));
  const prompts = () => output.split("loopy> ").length - 1;
  return {
    child,
    output: () => output,
    /** Types a line once the console has asked for one, and waits for the next prompt. */
    async type(line: string) {
      const before = prompts();
      child.stdin.write(`${line}\n`);
      await until(() => prompts() > before, () => `the console did not answer ${JSON.stringify(line)}:\n${output}`);
    },
    waitForPrompt: () => until(() => prompts() > 0, () => `the console did not start:\n${output}`),
  };
}

/** A console answer takes a sandbox run at most, on a machine busy with the rest of the suite. */
const until = (condition: () => boolean, failure: () => string) => waitUntil(condition, { timeoutMs: 45_000, everyMs: 50, failure });

describe("the local console (npm start without DISCORD_TOKEN)", () => {
  it("answers /explain, runs the example from its button, and exits cleanly", async () => {
    const console = startConsole();
    await console.waitForPrompt();
    await console.type("/explain topic:gather");
    expect(console.output()).toContain("asyncio.gather");
    expect(console.output()).toMatch(/\[1\] Run example/);
    await console.type("1");
    expect(console.output()).toMatch(/Loopy is working on it/);
    // Pasted all at once: a form's lines must not be lost while the console is busy.
    const before = console.output().split("loopy> ").length;
    // The form's second box is the program's standard input.
    console.child.stdin.write('/run\nimport asyncio\n\nasync def main():\n    await asyncio.sleep(0.1)\n    print("pasted " + input())\n\nasyncio.run(main())\n.\nfine\n.\n');
    await until(() => console.output().split("loopy> ").length > before, () => `the pasted /run was not answered:\n${console.output()}`);
    expect(console.output()).toContain("pasted fine");
    expect(console.output()).toMatch(/saved as .*timeline\.png/);
    await console.type("/explain topic:gathr");
    expect(console.output()).toContain("Did you mean");
    await console.type("/nonsense");
    expect(console.output()).toContain("Sorry, there is no /nonsense");
    const exited = exitCodeOf(console.child);
    console.child.stdin.write("exit\n");
    expect(await exited).toBe(0);
  }, 90_000);
});

describe("the console for a demanding user", () => {
  it("names every missing option with the usage, finds topics as typed, offers buttons, repairs a joined paste, and answers Ctrl-C at once", async () => {
    const console = startConsole();
    await console.waitForPrompt();
    await console.type("/daily setup time:09:00");
    expect(console.output()).toContain("Sorry, /daily setup needs `channel` and `timezone`.\nUsage: /daily setup channel:<#channel> time:<text> timezone:<text> [reveal-after:<text>] [ping-role:<@role>]");
    await console.type('/explain topic:"asyncio.gather()"');
    expect(console.output()).toContain("asyncio.gather  <https://docs.python.org/3/library/asyncio-task.html#asyncio.gather>");
    await console.type("/quiz topic:gahter");
    expect(console.output()).toMatch(/Did you mean one of these\?[\s\S]*\[1\] asyncio\.gather/);
    await console.type("1");
    expect(console.output()).toMatch(/Quiz: asyncio\.gather · /);
    await console.type("/help");
    expect(console.output()).toContain("Loopy teaches Python's asyncio");
    await console.type("/daily status");
    expect(console.output()).toContain("This server has no daily quiz. Set one up with /daily setup.");
    await console.type('/run code:import asyncio async def main():     print("from one line") asyncio.run(main())');
    expect(console.output()).toContain("I put its 4 lines back from the spacing");
    expect(console.output()).toContain('async def main():\n    print("from one line")');
    expect(console.output()).toMatch(/^ *from one line$/m);

    const exited = exitCodeOf(console.child);
    const working = () => console.output().split("Loopy is working on it").length;
    const before = working();
    console.child.stdin.write("/run code:import time; time.sleep(2); print('finished')\n");
    await until(() => working() > before, () => console.output());
    const interruptedAt = Date.now();
    console.child.kill("SIGINT");
    await until(() => console.output().includes("Stopping Loopy: the run in progress finishes first"), () => console.output());
    expect(Date.now() - interruptedAt).toBeLessThan(1_000);
    expect(await exited).toBe(0);
  }, 120_000);
});

/** The next whole minute in UTC as HH:MM, at least 15 s away so that the set-up lands before it. */
function nextMinuteUtc(): { clock: string; dueInMs: number } {
  const due = new Date(Math.ceil((Date.now() + 15_000) / 60_000) * 60_000);
  return { clock: due.toISOString().slice(11, 16), dueInMs: due.getTime() - Date.now() };
}

describe("the daily quiz in the console", () => {
  it("answers /quiz, and posts the daily quiz in the terminal at its minute with pressable answers", async () => {
    const console = startConsole();
    await console.waitForPrompt();
    await console.type("/quiz");
    expect(console.output()).toMatch(/\[1\] A\s+\[2\] B/);
    await console.type("1");
    expect(console.output()).toMatch(/^(✔ Right: A!|✖ Not quite: the answer is [B-D])$/m);

    const { clock, dueInMs } = nextMinuteUtc();
    await console.type(`/daily setup channel:#general time:${clock} timezone:UTC reveal-after:10m`);
    expect(console.output()).toContain("All set!");
    await waitUntil(() => console.output().includes("New message in #general"), {
      timeoutMs: dueInMs + 30_000,
      everyMs: 200,
      failure: () => `the daily quiz was not posted at ${clock} UTC:\n${console.output()}`,
    });
    expect(console.output()).toMatch(/Daily quiz #1/);
    // The posted quiz's buttons are numbered after the ones already on screen: press its "A".
    const answerButtons = [...console.output().matchAll(/\[(\d+)\] A\s/g)];
    await console.type(answerButtons.at(-1)![1]!);
    expect(console.output()).toContain("Locked in");
    const exited = exitCodeOf(console.child);
    console.child.stdin.write("exit\n");
    expect(await exited).toBe(0);
  }, 180_000);
});

describe("loopy ask --json", () => {
  it("prints the bodies Discord would receive for /explain", () => {
    const result = spawnSync(process.execPath, ["bin/loopy.js", "ask", "/explain topic:gather", "--json"], {
      encoding: "utf8",
      // Logs on: they must go to stderr, never into the JSON other tools read.
      env: { ...process.env, DISCORD_TOKEN: "", LOG_LEVEL: "info" },
    });
    expect(result.stderr).toContain('"msg":"content loaded"');
    expect(result.status).toBe(0);
    const requests = JSON.parse(result.stdout) as { method: string; path: string; body: { type: number; data: { embeds: { title: string }[]; components: unknown[] } } }[];
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe("POST");
    expect(requests[0]!.path).toMatch(/\/callback$/);
    expect(requests[0]!.body.type).toBe(4);
    expect(requests[0]!.body.data.embeds[0]!.title).toBe("asyncio.gather");
  }, 60_000);
});
