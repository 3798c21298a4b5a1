import { describe, expect, it } from "vitest";
import { codeProblem, MAX_CODE_CHARS, pastedPython, pythonInMessage } from "../../src/core/run/request.js";
import { readOneLine } from "../../src/core/run/one-line.js";

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

  it("loses one-line fences too, with their language word where it cannot be code", () => {
    expect(pastedPython("```py print(1)```")).toBe("print(1)");
    expect(pastedPython("```python print(1)```")).toBe("print(1)");
    expect(pastedPython("```print(1)```")).toBe("print(1)");
    expect(pastedPython("```py = 1; print(py)```")).toBe("py = 1; print(py)");
  });
});

describe("a program whose lines Discord's code box joined into one", () => {
  it("gets its line breaks and indentation back from the spacing", () => {
    expect(readOneLine('import asyncio async def main():     print("hi") asyncio.run(main())')).toEqual({
      kind: "repaired",
      code: 'import asyncio\nasync def main():\n    print("hi")\nasyncio.run(main())',
      lines: 4,
    });
    // A blank line is one more space; a dedent returns to a level in use.
    const program = 'import asyncio  async def main():     for i in range(2):         await asyncio.sleep(0)     print("done") asyncio.run(main())';
    expect(readOneLine(program)).toMatchObject({
      code: 'import asyncio\n\nasync def main():\n    for i in range(2):\n        await asyncio.sleep(0)\n    print("done")\nasyncio.run(main())',
    });
    expect(readOneLine('try:     x = 1 / 0 except ZeroDivisionError as e:     print(e) else:     pass')).toMatchObject({
      code: "try:\n    x = 1 / 0\nexcept ZeroDivisionError as e:\n    print(e)\nelse:\n    pass",
    });
    expect(readOneLine("from asyncio import sleep import time print(sleep)")).toMatchObject({ code: "from asyncio import sleep\nimport time\nprint(sleep)" });
    expect(readOneLine("@decorator class X:     pass")).toMatchObject({ code: "@decorator\nclass X:\n    pass" });
  });

  it("leaves real one-liners alone, spaces inside strings and brackets included", () => {
    for (const line of ['print("hi")', "x = 1; print(x)", "if x: print(1)", "print(1 if True else 2)", 'print("a:  b")', "print([1,  2])", "from a import b as c", "x = not y is None"]) {
      expect(readOneLine(line)).toEqual({ kind: "as-is", code: line });
    }
    expect(readOneLine('print("a") print("b   c")')).toMatchObject({ kind: "repaired", code: 'print("a")\nprint("b   c")' });
  });

  it("cannot see past a comment: runs it as typed when no break comes before it, and repairs nothing when one does", () => {
    expect(readOneLine("import asyncio  # the library print(asyncio)")).toEqual({ kind: "as-is", code: "import asyncio  # the library print(asyncio)" });
    expect(readOneLine("import asyncio print(1)  # done")).toEqual({ kind: "joined" });
  });
});
