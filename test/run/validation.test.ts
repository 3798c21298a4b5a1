import { describe, expect, it } from "vitest";
import { codeProblem, MAX_CODE_CHARS, pastedPython, pythonInMessage } from "../../src/core/run/request.js";

describe("code validation", () => {
  it("accepts ordinary Python, tabs and form feeds included", () => {
    expect(codeProblem('print("hi")\n\tpass\f\n')).toBeUndefined();
  });

  it("refuses empty code with an example of what to write", () => {
    expect(codeProblem("  \n\t")).toBe('There is no code to run. Write some Python, for example `print("hi")`.');
  });

  it("states the size limit for code that is too large", () => {
    expect(codeProblem("x".repeat(MAX_CODE_CHARS))).toBeUndefined();
    expect(codeProblem("x".repeat(MAX_CODE_CHARS + 1))).toBe("Your code is 20,001 characters long; the limit is 20,000.");
  });

  it("refuses binary data", () => {
    expect(codeProblem("print(1)\u0000\u0001")).toMatch(/binary data/);
    expect(codeProblem("\u007fELF\u0002\u0001\u0001")).toMatch(/binary data/);
  });
});

describe("the Python of a message", () => {
  it("joins the py and python blocks in order and ignores the prose and other blocks", () => {
    const message = "Look:\n```py\nx = 1\n```\nthen\n```js\nno()\n```\nand\n```python\nprint(x)\n```";
    expect(pythonInMessage(message)).toBe("x = 1\n\nprint(x)");
  });

  it("takes untagged blocks when no block is tagged as Python", () => {
    expect(pythonInMessage("try\n```\nprint(2)\n```")).toBe("print(2)");
  });

  it("takes the whole text when there is no block", () => {
    expect(pythonInMessage('print("plain")')).toBe('print("plain")');
  });
});

describe("code pasted into /run", () => {
  it("loses the fences and backticks it was copied with, and nothing else", () => {
    expect(pastedPython("```py\nprint('fenced')\n```")).toBe("print('fenced')");
    expect(pastedPython("`print(1)`")).toBe("print(1)");
    expect(pastedPython("print('`a`')")).toBe("print('`a`')");
    expect(pastedPython("x = 1\nprint(x)\n")).toBe("x = 1\nprint(x)\n");
  });
});
