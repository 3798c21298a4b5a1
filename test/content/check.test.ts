import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { checkContent, unknownCheckIds, type RunProgram } from "../../src/core/content/check.js";
import { loadContent } from "../../src/core/content/load.js";
import { runInSandbox } from "../../src/sandbox/sandbox.js";
import { interleavedOutput } from "../../src/core/run/protocol.js";
import { loadConfig } from "../../src/config.js";
import { compareVersions } from "../../src/core/python-version.js";
import { offeredPythons } from "../../src/sandbox/userlands.js";

const { pythons, default: newest } = offeredPythons(loadConfig());
const versions = pythons.map((python) => python.version);

/** Every example and predict question runs for real, in the same sandbox as /run, on every installed Python. */
const inSandbox: RunProgram = async (code, version) => {
  const result = await runInSandbox(code, { python: pythons.find((python) => python.version === version)! });
  return { output: interleavedOutput(result), wallMs: result.wallMs };
};

describe("loopy content check", () => {
  it(`every concept example and predict question prints what its file says, on Python ${versions.join(", ")}`, async () => {
    const content = loadContent("content");
    const failures = await checkContent(content, inSandbox, { versions });
    expect(failures.map((failure) => `${failure.file}: ${failure.item}\n${failure.problem}`)).toEqual([]);
  }, 600_000);

  it("reports an example whose stated output differs from what Python prints", async () => {
    const failures = await checkContent(loadContent("test/fixtures/content/wrong-output"), inSandbox, { versions: [newest.version] });
    expect(failures).toHaveLength(1);
    expect(failures[0]!.file).toBe("test/fixtures/content/wrong-output/concepts/alpha.md");
    expect(failures[0]!.item).toBe(`concept alpha (example) on Python ${newest.version}`);
    expect(failures[0]!.problem).toContain("omega");
    expect(failures[0]!.problem).toContain("but Python printed:\nalpha");
  }, 60_000);

  it("checks predict-duration answers against the measured time", async () => {
    const content = loadContent("test/fixtures/content/valid");
    const duration = content.questions.find((question) => question.id === "alpha-duration")!;
    const wrong = { ...content, questions: [{ ...duration, answer: 1 }] };
    const failures = await checkContent(wrong, inSandbox, { versions: [newest.version] });
    expect(failures.map((failure) => failure.problem)).toEqual([expect.stringMatching(/^it ran in 0\.\d\d s, which does not match the answer "1\.5 s"$/)]);
  }, 60_000);

  it("--only runs the items of the concepts and questions it names, and knows which ids name nothing", async () => {
    const content = loadContent("test/fixtures/content/valid");
    const items: string[] = [];
    await checkContent(content, inSandbox, { versions: [newest.version], only: ["beta", "alpha-predict"], onProgress: (_done, _total, item) => items.push(item) });
    expect(items.sort()).toEqual(["concept beta (example)", "question alpha-predict"]);
    expect(unknownCheckIds(content, ["alpha", "alpha-duration", "gamma"])).toEqual(["gamma"]);
  }, 60_000);

  it("npx loopy content check --only answers a mistyped id with the closest ones", () => {
    const { status, stderr } = spawnSync("npx", ["tsx", "src/cli.ts", "content", "check", "--only", "gahter"], { encoding: "utf8" });
    expect(status).toBe(2);
    expect(stderr).toBe('loopy content check: no concept or question has the id "gahter". Did you mean gather?\n');
  }, 60_000);
});

describe("loopy content check on several Pythons", () => {
  // Prints True from 3.13 on and False before: a real difference between versions, like those content meets.
  const code = "import sys\nprint(sys.version_info >= (3, 13))\n";
  const older = versions.filter((version) => compareVersions(version, "3.13") < 0);
  const withExample = (example: object, python = "3.11") => {
    const content = loadContent("test/fixtures/content/valid");
    const alpha = content.concepts.get("alpha")!;
    return { ...content, concepts: new Map([["alpha", { ...alpha, python, example: { ...alpha.example, code, ...example } }]]), questions: [] };
  };
  const problems = async (content: ReturnType<typeof withExample>) =>
    (await checkContent(content, inSandbox, { versions })).map((failure) => [failure.item, failure.problem.split("\n")[0]]);

  it.runIf(older.length > 0)("fails on each version whose output differs when nothing says so", async () => {
    const failures = await checkContent(withExample({ output: "True\n" }), inSandbox, { versions });
    expect(failures.map((failure) => failure.item)).toEqual(older.map((version) => `concept alpha (example) on Python ${version}`));
    expect(failures[0]!.problem).toContain(`add it as \`outputs: {"${older[0]}": …}\``);
  }, 60_000);

  it.runIf(older.length > 0)("accepts per-version outputs, and says when one is no longer needed", async () => {
    const outputs = Object.fromEntries(older.map((version) => [version, "False\n"]));
    expect(await problems(withExample({ output: "True\n", outputs }))).toEqual([]);
    expect(await problems(withExample({ output: "True\n", outputs: { ...outputs, [newest.version]: "False\n" } }))).toEqual([
      [`concept alpha (example) on Python ${newest.version}`, `it prints \`output\` (what the newest Python prints), not \`outputs."${newest.version}"\`: remove that override`],
    ]);
  }, 60_000);

  it("skips the versions older than an example's or a question's `python:`", async () => {
    const ran: string[] = [];
    const counting: RunProgram = (program, version) => {
      ran.push(version);
      return inSandbox(program, version);
    };
    const content = withExample({ output: "True\n" }, "3.13");
    const question = loadContent("test/fixtures/content/valid").questions.find((each) => each.kind === "predict-output")!;
    const failures = await checkContent({ ...content, questions: [{ ...question, code, choices: ["True", "False"], answer: 0, python: "3.13" }] }, counting, { versions });
    expect(failures).toEqual([]);
    const supported = versions.filter((version) => compareVersions(version, "3.13") >= 0);
    expect(ran.sort()).toEqual([...supported, ...supported].sort());
  }, 60_000);
});
