import { describe, expect, it } from "vitest";
import { codeBlock, splitMarkdown } from "../../src/core/markdown.js";

const fences = (text: string) => (text.match(/^\s*```/gm) ?? []).length;

describe("splitMarkdown", () => {
  it("keeps short text whole", () => {
    expect(splitMarkdown("one\n\ntwo", 100)).toEqual(["one\n\ntwo"]);
  });

  it("splits at paragraphs and never inside a code block", () => {
    const code = "```py\nimport asyncio\n\nasync def main():\n    pass\n```";
    const text = ["a".repeat(60), code, "b".repeat(60), code].join("\n\n");
    const pieces = splitMarkdown(text, 90);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(90);
      expect(fences(piece) % 2).toBe(0);
    }
    expect(pieces.join("\n\n")).toBe(text);
  });

  it("cuts a paragraph longer than the limit at line breaks", () => {
    const pieces = splitMarkdown(Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n"), 30);
    expect(pieces.every((piece) => piece.length <= 30)).toBe(true);
  });
});

describe("codeBlock", () => {
  it("cannot be broken out of by backticks in the text", () => {
    const block = codeBlock("```\n@everyone", "py");
    expect(fences(block)).toBe(2);
    expect(block.startsWith("```py\n")).toBe(true);
  });
});
