import { describe, expect, it } from "vitest";
import { checkContent, type RunProgram } from "../../src/core/content/check.js";
import { loadContent } from "../../src/core/content/load.js";
import { runInSandbox } from "../../src/sandbox/sandbox.js";

/** Every example and predict question runs for real, in the same sandbox as /run. */
const inSandbox: RunProgram = async (code) => {
  const result = await runInSandbox(code);
  return { output: result.chunks.map((chunk) => chunk.text).join(""), wallMs: result.wallMs, python: result.python };
};

describe("loopy content check", () => {
  it("every concept example and predict question prints what its file says", async () => {
    const content = loadContent("content");
    const failures = await checkContent(content, inSandbox);
    expect(failures.map((failure) => `${failure.file}: ${failure.item}\n${failure.problem}`)).toEqual([]);
  }, 600_000);

  it("reports an example whose stated output differs from what Python prints", async () => {
    const failures = await checkContent(loadContent("test/fixtures/content/wrong-output"), inSandbox);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.file).toBe("test/fixtures/content/wrong-output/concepts/alpha.md");
    expect(failures[0]!.item).toBe("concept alpha (example)");
    expect(failures[0]!.problem).toContain("omega");
    expect(failures[0]!.problem).toContain("but Python printed:\nalpha");
  }, 60_000);

  it("checks predict-duration answers against the measured time", async () => {
    const content = loadContent("test/fixtures/content/valid");
    const duration = content.questions.find((question) => question.id === "alpha-duration")!;
    const wrong = { ...content, questions: [{ ...duration, answer: 1 }] };
    const failures = await checkContent(wrong, inSandbox);
    expect(failures.map((failure) => failure.problem)).toEqual([expect.stringMatching(/^it ran in 0\.\d\d s, which does not match the answer "1\.5 s"$/)]);
  }, 60_000);
});
