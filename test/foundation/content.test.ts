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
    ["broken-link", 'test/fixtures/content/broken-link/concepts/beta.md: field "docs.0.url": expected a link into https://docs.python.org/3/'],
    ["broken-related", 'test/fixtures/content/broken-related/concepts/beta.md: field "related.0": no concept has the id "gamma"'],
    ["broken-answer", 'test/fixtures/content/broken-answer/quizzes/alpha.yaml: field "0.answer": must be the index of one of the choices'],
    ["broken-yaml", "test/fixtures/content/broken-yaml/concepts/alpha.md: the front-matter is not valid YAML"],
  ])("names the file and the field of %s", (name, message) => {
    expect(loadError(name)).toContain(message);
  });

  it("loads the real content/ without errors", () => {
    const content = loadContent("content");
    expect(content.concepts.size).toBeGreaterThanOrEqual(30);
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
