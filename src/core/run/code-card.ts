import { codeBlock } from "../markdown.js";
import type { Attachment, Card, Field } from "../reply.js";
import type { Program } from "./request.js";

/**
 * Code up to this many lines and characters is shown whole; longer code is shown by its first lines
 * and attached whole as main.py. Small enough that the output keeps most of the message.
 */
const INLINE_LINES_MAX = 25;
const INLINE_CHARS_MAX = 1200;
/** Lines of long code shown above the attachment. */
const PREVIEW_LINES = 8;
/** Of the standard input, this much is shown; it is in the form behind "Edit and run" in full. */
const INPUT_SHOWN_MAX = 300;
export const CODE_FILE = "main.py";

function lineCount(text: string): number {
  return text.replace(/\n$/, "").split("\n").length;
}

/** At most `max` characters of `text` and its first `lines` lines, with "…" where it was cut. */
function cut(text: string, max: number, lines = Infinity): string {
  const kept = text.split("\n").slice(0, lines).join("\n");
  const shown = kept.length > max ? kept.slice(0, max) : kept;
  return shown.length < text.replace(/\n$/, "").length ? `${shown}\n…` : shown;
}

function inputField(stdin: string): Field[] {
  if (stdin === "") return [];
  return [{ name: "Input", value: codeBlock(cut(stdin.replace(/\n$/, ""), INPUT_SHOWN_MAX, 10)) }];
}

/**
 * The program a run ran, as a card to put above its result, so everyone in the channel sees what
 * produced the output (Discord shows only "used /run", and a form's text to nobody else). Short code
 * is shown whole; long code by its first lines, with all of it attached as main.py. Mentions inside a
 * code block are shown as typed and never ping (replies allow no mentions).
 */
export function codeCard(program: Program): { card: Card; attachments: Attachment[] } {
  const code = program.code.replace(/\s+$/, "");
  const lines = lineCount(code);
  if (lines <= INLINE_LINES_MAX && code.length <= INLINE_CHARS_MAX) {
    return { card: { title: "Code", body: codeBlock(code, "py"), fields: inputField(program.stdin), tone: "info" }, attachments: [] };
  }
  const preview = code.split("\n").slice(0, PREVIEW_LINES).join("\n").slice(0, INLINE_CHARS_MAX);
  return {
    card: {
      title: `Code (${lines} lines)`,
      body: `${codeBlock(preview, "py")}\n… all ${lines} lines are in ${CODE_FILE}`,
      fields: inputField(program.stdin),
      tone: "info",
    },
    attachments: [{ name: CODE_FILE, data: Buffer.from(program.code), description: "The code that was run" }],
  };
}
