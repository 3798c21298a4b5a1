/**
 * Discord's `code:` option holds one line: a pasted program arrives with each line break turned into a
 * space, so `async def main():\n    print("hi")` comes as `async def main():     print("hi")`. Python
 * cannot run that, but the spaces still say where the breaks were: a break is one space, and the spaces
 * after it are the next line's indentation. This module finds the places where one line of Python can
 * never have a space (between two statements, or after a block's colon followed by indentation) and, when
 * every such place reads one way only, puts the line breaks back.
 */
import { actionId, type Reply } from "../reply.js";

/** What a one-line `code:` option holds. */
export type OneLine =
  /** Python that may well be one line: run as it is. */
  | { kind: "as-is"; code: string }
  /** A joined program whose line breaks could be put back unambiguously. */
  | { kind: "repaired"; code: string; lines: number }
  /** A joined program whose line breaks cannot be told for sure (a comment swallows the rest, uneven indentation). */
  | { kind: "joined" };

type Token = { kind: "name" | "number" | "string" | "open" | "close" | "colon" | "comment" | "other"; text: string; start: number; end: number };

const KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except",
  "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
  "while", "with", "yield",
]);
/** Words that end a statement or an expression: a name after them and a space starts the next statement. */
const ENDING_WORDS = new Set(["True", "False", "None", "pass", "break", "continue"]);
/** Words that go on an expression or statement begun before them (`x if y else z`, `from a import b`, `x is not None`). */
const CONTINUING_WORDS = new Set(["and", "or", "not", "in", "is", "if", "else", "for", "as", "from", "import"]);

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  const pattern =
    /(?<string>(?:[rRbBuUfF]{1,2})?(?:"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'))|(?<name>[A-Za-z_][\w]*)|(?<number>\d[\w.]*)|(?<open>[([{])|(?<close>[)\]}])|(?<comment>#.*)|(?<colon>:(?!=))|(?<space>\s+)|(?<other>.)/gy;
  for (const match of text.matchAll(pattern)) {
    const groups = match.groups!;
    const kind = (Object.keys(groups) as (Token["kind"] | "space")[]).find((name) => groups[name] !== undefined)!;
    if (kind === "space") continue;
    tokens.push({ kind, text: match[0], start: match.index, end: match.index + match[0].length });
  }
  // An unterminated string leaves a lone quote: nothing can be said about such a line.
  return tokens.some((token) => token.kind === "other" && /["']/.test(token.text)) ? undefined : tokens;
}

function endsExpression(token: Token): boolean {
  if (token.kind === "number" || token.kind === "string" || token.kind === "close") return true;
  return token.kind === "name" && (!KEYWORDS.has(token.text) || ENDING_WORDS.has(token.text));
}

/** Where a line break was: at `at`, after `gap` spaces (one per line break, then the indentation), and whether a block opened there. */
interface Break {
  at: number;
  gap: number;
  opensBlock: boolean;
}

/**
 * The places where a space can only have been a line break: after a block's colon followed by indentation,
 * and between the end of one statement and the start of another (`print("hi") asyncio.run(main())`).
 * Inside brackets a line break is just a space, so nothing there is a break.
 */
function breaksIn(tokens: Token[]): Break[] {
  const breaks: Break[] = [];
  let depth = 0;
  // `from x import y`: the first `import` after `from` goes on the same statement.
  let importAwaited = tokens[0]?.text === "from";
  for (const [index, token] of tokens.entries()) {
    if (token.kind === "open") depth++;
    if (token.kind === "close") depth = Math.max(0, depth - 1);
    const next = tokens[index + 1];
    if (!next || depth > 0 || next.start === token.end) continue;
    const blockBody = token.kind === "colon" && next.start - token.end >= 2;
    // `x if y else z` goes on; `else:` starts a clause of its own.
    const clause = next.text === "else" && tokens[index + 2]?.kind === "colon";
    const continues = CONTINUING_WORDS.has(next.text) && !clause && !(next.text === "import" && !importAwaited);
    if (next.text === "import") importAwaited = false;
    const statement = endsExpression(token) && next.kind === "name" && !continues;
    if (!blockBody && !statement) continue;
    breaks.push({ at: next.start, gap: next.start - token.end, opensBlock: blockBody });
    importAwaited = next.text === "from";
  }
  return breaks;
}

/**
 * The indentation and blank lines before each line. A gap of n spaces is k line breaks and n - k spaces of
 * indentation: a block's first line is indented deeper than the line before, any other line returns to a
 * level in use; of the readings that fit, the one with the fewest blank lines. Undefined when none fits.
 */
function placeLines(breaks: Break[]): { indent: number; blankLines: number }[] | undefined {
  const levels = [0];
  const placed: { indent: number; blankLines: number }[] = [];
  for (const { gap, opensBlock } of breaks) {
    let indent: number | undefined;
    for (let candidate = gap - 1; candidate >= 0 && indent === undefined; candidate--) {
      if (opensBlock ? candidate > levels.at(-1)! : levels.includes(candidate)) indent = candidate;
    }
    if (indent === undefined) return undefined;
    if (opensBlock) levels.push(indent);
    else while (levels.at(-1)! > indent) levels.pop();
    placed.push({ indent, blankLines: gap - 1 - indent });
  }
  return placed;
}

/** Reads a one-line `code:` option: Python to run as it is, a joined program put back on its lines, or neither. */
export function readOneLine(line: string): OneLine {
  const text = line.trim();
  if (text.includes("\n")) return { kind: "as-is", code: line };
  const tokens = tokenize(text);
  if (!tokens) return { kind: "as-is", code: line };
  const breaks = breaksIn(tokens);
  if (breaks.length === 0) return { kind: "as-is", code: line };
  const placed = placeLines(breaks);
  // A comment ran to the end of the joined line, swallowing whatever followed it.
  if (tokens.some((token) => token.kind === "comment") || !placed) return { kind: "joined" };
  const lines = [text.slice(0, breaks[0]!.at).trimEnd()];
  breaks.forEach(({ at }, index) => {
    const { indent, blankLines } = placed[index]!;
    lines.push(...Array<string>(blankLines).fill(""), " ".repeat(indent) + text.slice(at, breaks[index + 1]?.at).trimEnd());
  });
  return { kind: "repaired", code: lines.join("\n"), lines: lines.length };
}

/** Said above the result of a repaired paste, so the learner knows the code was changed and checks it. */
export function repairedNote(lines: number): string {
  return (
    `Your code arrived on one line (Discord's \`code\` box joins the lines of a paste), so I put its ${lines} lines back from the spacing: ` +
    "check the code below. For more than a line, use `/run` without `code`: its form keeps your lines."
  );
}

/** The answer to a joined paste whose lines cannot be told for sure: nothing is run, and the form is a press away. */
export function joinedPasteReply(): Reply {
  return {
    cards: [
      {
        title: "That looks like several lines joined into one",
        body:
          "Discord's `code` box holds one line, so a pasted program arrives with its line breaks turned into spaces, " +
          "and here I can't tell for sure where they were (a `#` comment, for one, now swallows everything after it). " +
          "Press **Open the form** (or use `/run` without `code`) and paste it there: the form keeps your lines.",
        tone: "warning",
      },
    ],
    buttons: [[{ label: "Open the form", action: actionId("run", "open"), style: "primary" }]],
    private: true,
  };
}
