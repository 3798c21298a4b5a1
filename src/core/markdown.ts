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

/** A fenced code block that the text cannot break out of (a ``` inside it is defused with a zero-width space). */
export function codeBlock(text: string, language = ""): string {
  return `\`\`\`${language}\n${text.replace(/```/g, "`\u200b``")}\n\`\`\``;
}
