import { describe, expect, it } from "vitest";
import { codeBlock, inlineCode, reflowParagraphs, splitMarkdown } from "../../src/core/markdown.js";

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

describe("inlineCode", () => {
  it("quotes a name as one code span", () => {
    expect(inlineCode("asyncio.sleep")).toBe("`asyncio.sleep`");
  });

  it("cannot be broken out of: no backtick, newline or control character survives, and it is cut short", () => {
    const hostile = "x`` **bold** @everyone\n\r# heading\u2028more\u0000" + "y".repeat(500);
    const quoted = inlineCode(hostile);
    expect(quoted.startsWith("`") && quoted.endsWith("`")).toBe(true);
    expect(quoted.slice(1, -1)).not.toMatch(/[`\n\r\u2028\u0000]/);
    expect([...quoted].length).toBeLessThanOrEqual(62);
    expect(quoted).toContain("…");
    expect(inlineCode("``")).toBe("`ˋˋ`");
    expect(inlineCode("\n")).toBe("`…`");
  });
});

describe("reflowParagraphs", () => {
  it("joins the lines of a hard-wrapped paragraph with spaces and keeps paragraph breaks", () => {
    expect(reflowParagraphs("One line\nwrapped here\nand here.\n\nNext paragraph\nwrapped.")).toBe("One line wrapped here and here.\n\nNext paragraph wrapped.");
  });

  it("keeps fenced code, block quotes, headings and table rows line by line", () => {
    const text = ["## A heading", "Text after it", "", "```py", "async def main():", "    await x", "```", "", "> quoted", "> more quote", "", "| a | b |", "| - | - |"].join("\n");
    expect(reflowParagraphs(text)).toBe(["## A heading", "Text after it", "", "```py", "async def main():", "    await x", "```", "", "> quoted", "> more quote", "", "| a | b |", "| - | - |"].join("\n"));
  });

  it("keeps each list item on its own line and joins an item's wrapped lines to it", () => {
    expect(reflowParagraphs("Steps:\n- first item\n  wraps on\n- second\n1. numbered\n   goes on\n2. next")).toBe(
      "Steps:\n- first item wraps on\n- second\n1. numbered goes on\n2. next",
    );
  });

  it("keeps hard breaks and indented code blocks", () => {
    expect(reflowParagraphs("line one  \nline two\\\nline three")).toBe("line one  \nline two\\\nline three");
    expect(reflowParagraphs("Text:\n\n    code line 1\n    code line 2\n\nafter")).toBe("Text:\n\n    code line 1\n    code line 2\n\nafter");
  });

  it("text right after a closing fence is a paragraph of its own", () => {
    const concept = "Before\nthe code:\n\n```py\nprint(1)\nprint(2)\n```\nAfter\nit.";
    expect(reflowParagraphs(concept)).toBe("Before the code:\n\n```py\nprint(1)\nprint(2)\n```\nAfter it.");
  });
});
