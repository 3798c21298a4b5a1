/**
 * Splits Markdown into pieces of at most `max` characters at paragraph breaks outside code fences,
 * so that no code block is ever cut in two. A single paragraph longer than `max` is split at line breaks.
 */
export function splitMarkdown(text: string, max: number): string[] {
  const paragraphs: string[] = [];
  let current: string[] = [];
  let inFence = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    if (line.trim() === "" && !inFence && current.length > 0) {
      paragraphs.push(current.join("\n"));
      current = [];
    } else if (line.trim() !== "" || inFence) {
      current.push(line);
    }
  }
  if (current.length > 0) paragraphs.push(current.join("\n"));

  const pieces: string[] = [];
  let piece = "";
  for (const paragraph of paragraphs.flatMap((paragraph) => splitLong(paragraph, max))) {
    const joined = piece === "" ? paragraph : `${piece}\n\n${paragraph}`;
    if (joined.length <= max) {
      piece = joined;
    } else {
      pieces.push(piece);
      piece = paragraph;
    }
  }
  if (piece !== "") pieces.push(piece);
  return pieces;
}

function splitLong(paragraph: string, max: number): string[] {
  if (paragraph.length <= max) return [paragraph];
  const lines: string[] = [];
  let chunk = "";
  for (const line of paragraph.split("\n")) {
    for (let start = 0; start < Math.max(line.length, 1); start += max) {
      const part = line.slice(start, start + max);
      if (chunk !== "" && chunk.length + 1 + part.length > max) {
        lines.push(chunk);
        chunk = part;
      } else {
        chunk = chunk === "" ? part : `${chunk}\n${part}`;
      }
    }
  }
  if (chunk !== "") lines.push(chunk);
  return lines;
}

const ZERO_WIDTH_SPACE = "\u200b";

/**
 * A fenced code block that the text cannot break out of: a zero-width space follows every backtick that another
 * backtick follows, so no run of two or more backticks (and so no closing fence) survives, however long the run.
 */
export function codeBlock(text: string, language = ""): string {
  return `\`\`\`${language}\n${text.replace(/`(?=`)/g, `\`${ZERO_WIDTH_SPACE}`)}\n\`\`\``;
}

/** Output a program printed must not ping anyone, even visually: "@everyone", "<@123>" are broken up. */
export function defuseMentions(text: string): string {
  return text.replace(/@(everyone|here)/g, `@${ZERO_WIDTH_SPACE}$1`).replace(/<(@[!&]?|#)(\d)/g, `<$1${ZERO_WIDTH_SPACE}$2`);
}

/** Learner-controlled text quoted in a message is cut to this many characters. */
const INLINE_CODE_MAX = 60;

/**
 * `text` as one inline code span that it cannot break out of: backticks become ˋ (so no span ends early),
 * newlines and other control characters become spaces (a span never spans lines), and it is cut to
 * INLINE_CODE_MAX characters with an ellipsis.
 */
export function inlineCode(text: string): string {
  const flat = text
    .replace(/`/g, "ˋ")
    .replace(/[\p{Cc}\u2028\u2029]+/gu, " ")
    .trim();
  const cut = [...flat].length <= INLINE_CODE_MAX ? flat : `${[...flat].slice(0, INLINE_CODE_MAX - 1).join("")}…`;
  return `\`${cut === "" ? "…" : cut}\``;
}

/** A line that starts a block of its own, never joined to the line before it: a list item, a quote, a heading, a table row. */
const BLOCK_START = /^\s*(?:[-*+]\s|\d+[.)]\s|>|#{1,6}\s|\|)/;

/**
 * Hard-wrapped Markdown re-flowed for chat: the lines of one paragraph join with spaces, so Discord wraps
 * them to the screen. Fenced and indented code, list items, block quotes, headings and table rows keep their
 * lines, a list item's wrapped continuation lines join that item, and a hard break (two trailing spaces or a
 * backslash) stays a break. Blank lines stay as they are.
 */
export function reflowParagraphs(text: string): string {
  const out: string[] = [];
  let inFence = false;
  // Whether the previous line is prose (or a list item) that a following plain line continues.
  let joinable = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      out.push(line);
      joinable = false;
    } else if (inFence || line.trim() === "") {
      out.push(line);
      joinable = false;
    } else if (!joinable && /^(?: {4}|\t)/.test(line)) {
      // An indented code block: only where no paragraph goes on (an indented line inside one continues it).
      out.push(line);
    } else if (BLOCK_START.test(line)) {
      out.push(line);
      // A quote, heading or table row keeps its own lines; a list item takes its wrapped continuation.
      joinable = /^\s*(?:[-*+]\s|\d+[.)]\s)/.test(line);
    } else if (joinable && !/ {2}$|\\$/.test(out.at(-1)!)) {
      out[out.length - 1] = `${out.at(-1)!.trimEnd()} ${line.trim()}`;
    } else {
      out.push(line);
      joinable = true;
    }
  }
  return out.join("\n");
}
