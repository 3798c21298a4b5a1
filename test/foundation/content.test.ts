import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ContentError, loadContent } from "../../src/core/content/load.js";
import { outputsMatch, parseDuration } from "../../src/core/content/check.js";

const fixture = (name: string) => `test/fixtures/content/${name}`;

function loadError(name: string): string {
  try {
    loadContent(fixture(name));
  } catch (error) {
    expect(error).toBeInstanceOf(ContentError);
    return (error as Error).message;
  }
  throw new Error(`${name} loaded without an error`);
}

describe("loadContent", () => {
  it("loads concepts and questions, remembering each question's file", () => {
    const content = loadContent(fixture("valid"));
    expect([...content.concepts.keys()]).toEqual(["alpha", "beta"]);
    expect(content.concepts.get("alpha")!.body).toBe("Alpha's explanation.");
    expect(content.questions.map((question) => [question.id, question.file])).toEqual([
      ["alpha-predict", "test/fixtures/content/valid/quizzes/alpha.yaml"],
      ["alpha-duration", "test/fixtures/content/valid/quizzes/alpha.yaml"],
    ]);
  });

  it.each([
    ["broken-link", 'test/fixtures/content/broken-link/concepts/beta.md: "docs[0].url": expected a link into https://docs.python.org/3/'],
    ["broken-related", 'test/fixtures/content/broken-related/concepts/beta.md: "related[0]": no concept has the id "gamma".'],
    ["broken-answer", 'test/fixtures/content/broken-answer/quizzes/alpha.yaml: question "alpha-predict": "answer": must be the index of one of the choices'],
    ["broken-yaml", "test/fixtures/content/broken-yaml/concepts/alpha.md: the front-matter is not valid YAML"],
  ])("names the file and the field of %s", (name, message) => {
    expect(loadError(name)).toContain(message);
  });

  it("lists every problem at once in plain words, grouped by file, with the question's id and what was probably meant", () => {
    const dir = "test/fixtures/content/many-problems";
    expect(loadError("many-problems")).toBe(
      [
        "Content files have 11 problems:",
        `- ${dir}/CONCEPTS.txt: line 3: "beta" is already listed on line 2; list each concept once.`,
        `- ${dir}/CONCEPTS.txt: line 4: no concept has the id "gama".`,
        `- ${dir}/concepts/alpha.md: "summary" is missing.`,
        `- ${dir}/concepts/alpha.md: "example.output" must be text, not the number 12.`,
        `- ${dir}/concepts/alpha.md: unknown field "summry". Did you mean "summary"?`,
        // alpha.md is broken, yet it exists: references to it are not reported a second time, and it is offered.
        `- ${dir}/concepts/beta.md: "related[0]": no concept has the id "alhpa". Did you mean "alpha"?`,
        `- ${dir}/quizzes/beta.yaml: question "beta-two": "difficulty": must be 1 (beginner), 2 (intermediate) or 3 (advanced).`,
        `- ${dir}/quizzes/beta.yaml: question "beta-two": "kind" must be one of multiple-choice, predict-output, predict-duration, not the text "predict".`,
        `- ${dir}/quizzes/beta.yaml: question "beta-two": "choices" needs at least 2 items, and has 1 item.`,
        `- ${dir}/quizzes/beta.yaml: question "beta-one": "concept": no concept has the id "betta". Did you mean "beta"?`,
        `- ${dir}/quizzes/gamma.yaml: question "beta-one": the id is already used in ${dir}/quizzes/beta.yaml; each question needs its own.`,
      ].join("\n"),
    );
  });

  it("loads the real content/ without errors, its concepts in the learning path's order (CONCEPTS.txt)", () => {
    const content = loadContent("content");
    expect(content.concepts.size).toBeGreaterThanOrEqual(30);
    const listed = readFileSync("content/CONCEPTS.txt", "utf8").split("\n").filter((line) => /^[a-z]/.test(line)).map((line) => line.split(/\s+/)[0]);
    expect([...content.concepts.keys()]).toEqual(listed);
  });

  it("says which concept CONCEPTS.txt leaves out", () => {
    const dir = mkdtempSync(join(tmpdir(), "loopy-content-"));
    cpSync(fixture("valid"), dir, { recursive: true });
    writeFileSync(join(dir, "CONCEPTS.txt"), "# path\nbeta  the second\n");
    try {
      expect(() => loadContent(dir)).toThrow(/CONCEPTS\.txt: "alpha" \(.*alpha\.md\) is not listed; add it where it belongs in the learning path\./);
      writeFileSync(join(dir, "CONCEPTS.txt"), "beta\nalpha   # the first, second on the path\n");
      expect([...loadContent(dir).concepts.keys()]).toEqual(["beta", "alpha"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("outputsMatch", () => {
  it("allows timings to differ a little, and addresses entirely", () => {
    expect(outputsMatch("took 1.0 s\n", "took 1.1 s")).toBe(true);
    expect(outputsMatch("<coroutine object f at 0x7f00aa>", "<coroutine object f at 0x7f11bb>")).toBe(true);
    expect(outputsMatch("done   \n\n", "done")).toBe(true);
    expect(outputsMatch('main.py:7: RuntimeWarning\n  File "main.py", line 3', '/tmp/main.py:7: RuntimeWarning\n  File "/tmp/x/main.py", line 3')).toBe(true);
  });

  it("rejects other differences", () => {
    expect(outputsMatch("took 1.0 s", "took 3.0 s")).toBe(false);
    expect(outputsMatch("A\nB", "B\nA")).toBe(false);
    expect(outputsMatch("took 1.0 s", "took 1 s")).toBe(false);
    expect(outputsMatch("main.py:7: RuntimeWarning", "main.py:8: RuntimeWarning")).toBe(false);
  });

  it("reads durations written as choices", () => {
    expect(parseDuration("1.5 s")).toBe(1.5);
    expect(parseDuration("about 3 seconds")).toBe(3);
    expect(parseDuration("fast")).toBeUndefined();
  });
});
