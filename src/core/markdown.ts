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

/** Learner-controlled names in inline code are cut here: a hint quotes a name, not a paragraph. */
const INLINE_CODE_MAX = 60;

/**
 * Text a run controls (a function or task name) as inline code: backticks become look-alike primes and line
 * breaks spaces, so it can neither close the code span nor start a new block; inside it no Markdown, link or
 * mention takes effect.
 */
export function inlineCode(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/`/g, "ʹ").replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
  const cut = flat.length <= INLINE_CODE_MAX ? flat : `${flat.slice(0, INLINE_CODE_MAX - 1)}…`;
  return `\`${cut || " "}\``;
}

/** Output a program printed must not ping anyone, even visually: "@everyone", "<@123>" are broken up. */
export function defuseMentions(text: string): string {
  return text.replace(/@(everyone|here)/g, `@${ZERO_WIDTH_SPACE}$1`).replace(/<(@[!&]?|#)(\d)/g, `<$1${ZERO_WIDTH_SPACE}$2`);
}
