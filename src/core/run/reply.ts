import type { RunLimits } from "./limits.js";
import { describeLimit, type RunResult } from "./protocol.js";
import { findHints, type Hint } from "./hints.js";
import type { PythonChoice } from "./request.js";
import { BUTTONS_PER_ROW_MAX, CARD_BODY_MAX, cardSize, FIELD_VALUE_MAX, FORM_VALUE_MAX, MESSAGE_CARDS_MAX } from "../discord-limits.js";
import { codeBlock } from "../markdown.js";
import { actionId, type Button, type Card, type ChoiceInput, type Field, type Form, type Reply, type TextInput } from "../reply.js";
import { TIMELINE_PICTURE, timelineAttachments } from "./timeline/attachments.js";
import { formatDuration } from "./timeline/timeline.js";

/** Room kept for card titles, field names and the like when sharing MESSAGE_CARDS_MAX. */
const CARD_FRAME_ROOM = 200;
/** More lines than this fill a screen; the rest is in the attached file. */
const SHOWN_LINES_MAX = 40;
const OUTPUT_FILE = "output.txt";

const ZERO_WIDTH_SPACE = "\u200b";

/** Output a learner's program printed must not ping anyone, even visually: "@everyone", "<@123>" are broken up. */
export function defuseMentions(text: string): string {
  return text
    .replace(/@(everyone|here)/g, `@${ZERO_WIDTH_SPACE}$1`)
    .replace(/<(@[!&]?|#)(\d)/g, `<$1${ZERO_WIDTH_SPACE}$2`);
}

function outputLines(output: string): string[] {
  const lines = output.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function numbered(lines: string[]): string[] {
  if (lines.length < 2) return lines;
  const width = String(lines.length).length;
  return lines.map((line, index) => `${String(index + 1).padStart(width)} │ ${line}`);
}

/** Room kept for the note saying what was left out. */
const NOTE_ROOM = 60;

/**
 * The output as a code block of at most `budget` characters: line-numbered when longer than a line,
 * cut at SHOWN_LINES_MAX lines or at the budget, with a note of what was left out.
 */
function outputBlock(output: string, budget: number): { block: string; complete: boolean } {
  if (output === "") return { block: "*(no output)*", complete: true };
  const lines = numbered(outputLines(defuseMentions(output)));
  const shown: string[] = [];
  for (const line of lines.slice(0, SHOWN_LINES_MAX)) {
    const room = budget - NOTE_ROOM - codeBlock([...shown, line].join("\n")).length;
    if (room >= 0) {
      shown.push(line);
    } else {
      // A line too long for the room left (print("x" * 10**5)) is cut rather than dropped, so something shows.
      if (shown.length === 0) shown.push(`${line.slice(0, line.length + room - 1)}…`);
      break;
    }
  }
  const hidden = lines.length - shown.length;
  const cutLine = shown.length > 0 && shown[shown.length - 1] !== lines[shown.length - 1];
  const note = hidden > 0 ? `\n… ${hidden} more line${hidden === 1 ? "" : "s"} in ${OUTPUT_FILE}` : cutLine ? `\n… the rest is in ${OUTPUT_FILE}` : "";
  return { block: codeBlock(shown.join("\n")) + note, complete: note === "" };
}

function status(result: RunResult, limits: RunLimits): { title: string; line?: string; tone: "success" | "error" | "warning" } {
  if (result.outcome === "limit" && result.limit) return { title: "Stopped by a limit", line: describeLimit(result.limit, limits), tone: "warning" };
  if (result.outcome === "ok") return { title: "Finished", tone: "success" };
  if (result.signal) return { title: `Ended by signal ${result.signal}`, tone: "error" };
  return { title: `Finished with an error (exit code ${result.exitCode})`, tone: "error" };
}

function hintField(hint: Hint): Field {
  const where = hint.line === undefined ? "" : ` (line ${hint.line})`;
  return { name: `Hint${where}`, value: hint.message.slice(0, FIELD_VALUE_MAX) };
}

/** One "Explain …" button per concept the hints point to, at most a row. */
function hintButtons(hints: Hint[]): Button[] {
  const concepts = [...new Set(hints.flatMap((hint) => (hint.concept ? [hint.concept] : [])))].slice(0, BUTTONS_PER_ROW_MAX);
  return concepts.map((concept) => ({ label: `Explain: ${concept.replace(/-/g, " ")}`, action: actionId("explain", "show", concept), style: "secondary" }));
}

/** "3.14" of a release like "3.14.10"; undefined for anything else (the runner's report is not trusted). */
export function versionOf(release: string): string | undefined {
  return /^(3\.\d+)\.\d+$/.exec(release)?.[1];
}

function runButtons(code: string, codeId: string, hints: Hint[], ran: string | undefined, pythons: PythonChoice | undefined): Button[][] {
  // "Run again" and "Edit and run" keep the version the code just ran on; the others each get a button.
  const again: Button = { label: "Run again", action: actionId("run", "again", codeId, ...(ran ? [ran] : [])), style: "primary" };
  const edit: Button = { label: "Edit and run", action: actionId("run", "edit", codeId, ...(ran ? [ran] : [])), style: "secondary" };
  const others = (pythons?.versions ?? []).filter((version) => version !== ran).slice(0, BUTTONS_PER_ROW_MAX);
  const elsewhere: Button[] = others.map((version) => ({ label: `Run in ${version}`, action: actionId("run", "again", codeId, version), style: "secondary" }));
  const explain = hintButtons(hints);
  // Longer code cannot be edited in a form.
  return [code.length <= FORM_VALUE_MAX ? [again, edit] : [again], ...[elsewhere, explain].filter((row) => row.length > 0)];
}

/** Characters of asyncio's call graph shown; whole lines, the rest summed up. */
const CALL_GRAPH_SHOWN_MAX = 1200;

/**
 * Python 3.14+: where the tasks still pending were waiting when a limit stopped the run or it ended, as
 * asyncio.format_call_graph printed it inside the sandbox (so: bounded, and in a code block it cannot leave).
 */
function callGraphCard(result: RunResult): Card | undefined {
  const graph = result.timeline?.callGraph;
  if (!graph) return undefined;
  const lines = graph.replace(/, id=0x[0-9a-f]+/g, "").split("\n");
  const shown: string[] = [];
  let size = 0;
  for (const graphLine of lines) {
    if (size + graphLine.length + 1 > CALL_GRAPH_SHOWN_MAX) break;
    shown.push(graphLine);
    size += graphLine.length + 1;
  }
  if (shown.length < lines.length) shown.push(`… ${lines.length - shown.length} more lines`);
  return { title: "Where tasks were waiting", body: codeBlock(defuseMentions(shown.join("\n"))), tone: "info" };
}

/**
 * The answer to a finished run: status at a glance, the output (defused, numbered, cut to Discord's
 * limits with the full text attached), wall and CPU time, the Python version, explanations of asyncio
 * mistakes it shows, a picture of what the event loop did (with a text version), and buttons to run again.
 * `codeId` is the code's id in the run code store, for the buttons; with `pythons`, a "Run in 3.x" button
 * for each other version offered.
 */
export function runResultReply(result: RunResult, limits: RunLimits, code: string, codeId: string, pythons?: PythonChoice): Reply {
  const { title, line, tone } = status(result, limits);
  const output = result.chunks.map((chunk) => chunk.text).join("");
  const hints = findHints(result, code);
  const fields: Field[] = [
    { name: "Time", value: formatDuration(result.wallMs), inline: true },
    { name: "CPU", value: formatDuration(result.cpuMs), inline: true },
    { name: "Python", value: result.python, inline: true },
    ...hints.slice(0, 3).map(hintField),
  ];
  const timeline = timelineAttachments(result);
  const timelineCard: Card | undefined = timeline && {
    title: "What the event loop did",
    body: codeBlock(timeline.text.slice(0, 1500)),
    image: TIMELINE_PICTURE,
    tone: "info",
  };
  const graphCard = callGraphCard(result);
  const extraCards = [timelineCard, graphCard].filter((card): card is Card => card !== undefined);
  const intro = line ? `${line}\n` : "";
  const framing = fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0) + extraCards.reduce((sum, card) => sum + cardSize(card), 0);
  const budget = Math.min(CARD_BODY_MAX, MESSAGE_CARDS_MAX - CARD_FRAME_ROOM - framing) - intro.length;
  const { block, complete } = outputBlock(output, budget);
  const attachments = [
    ...(complete ? [] : [{ name: OUTPUT_FILE, data: Buffer.from(output), description: "Everything your code printed" }]),
    ...(timeline ? [timeline.attachment] : []),
  ];
  return {
    cards: [{ title, body: `${intro}${block}`, fields, tone }, ...extraCards],
    buttons: runButtons(code, codeId, hints, versionOf(result.python), pythons),
    attachments: attachments.length > 0 ? attachments : undefined,
  };
}

/** The answer when a run has no result (its worker died, it was lost, nobody answered in time). */
export function runFailureReply(problem: string, codeId: string): Reply {
  return {
    cards: [{ title: "No result", body: problem, tone: "error" }],
    buttons: [[{ label: "Run again", action: actionId("run", "again", codeId), style: "primary" }]],
  };
}

/**
 * The form that asks for code: empty for /run, pre-filled for "Edit and run". With `pythons`, it also asks
 * which version to run on, `python` (or the default) chosen to begin with.
 */
export function codeForm(code?: string, pythons?: PythonChoice, python?: string): Form {
  const codeInput: TextInput = {
    id: "code",
    label: "Python code",
    multiline: true,
    value: code,
    placeholder: 'import asyncio\n\nasync def main():\n    print("hi")\n\nasyncio.run(main())',
    required: true,
    maxLength: FORM_VALUE_MAX,
  };
  const versionInput: ChoiceInput | undefined = pythons && {
    id: "python",
    label: "Python version",
    // A select holds at most 25 options; Loopy offers a handful.
    choices: pythons.versions.map((version) => ({ label: `Python ${version}${version === pythons.default ? " (default)" : ""}`, value: version })),
    value: python !== undefined && pythons.versions.includes(python) ? python : pythons.default,
  };
  return { action: actionId("run", "form"), title: "Run Python", inputs: versionInput ? [codeInput, versionInput] : [codeInput] };
}
