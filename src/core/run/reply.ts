import { constants } from "node:os";
import { describeLimit, type RunLimits } from "./limits.js";
import { interleavedOutput, type RunResult } from "./protocol.js";
import { findHints, type Hint } from "./hints.js";
import { BUTTON_LABEL_MAX, BUTTONS_PER_ROW_MAX, CARD_BODY_MAX, cardSize, FIELD_VALUE_MAX, FORM_VALUE_MAX, MESSAGE_CARDS_MAX } from "../discord-limits.js";
import { codeBlock, defuseMentions } from "../markdown.js";
import { codeCard } from "./code-card.js";
import type { Program, PythonChoice } from "./request.js";
import { actionId, type Button, type Card, type ChoiceInput, type Field, type Form, type Reply, type TextInput } from "../reply.js";
import { TIMELINE_PICTURE, timelineAttachments } from "./timeline/attachments.js";
import { formatDuration } from "./timeline/timeline.js";

/** Room kept for card titles, field names and the like when sharing MESSAGE_CARDS_MAX. */
const CARD_FRAME_ROOM = 200;
/** More lines than this fill a screen; the rest is in the attached file. */
const SHOWN_LINES_MAX = 40;
const OUTPUT_FILE = "output.txt";

/**
 * The first `max` lines of the output and how many lines it has in all: linear in the output, whatever its
 * length or number of lines, and only the lines shown are copied.
 */
function firstLines(output: string, max: number): { lines: string[]; total: number } {
  const lines: string[] = [];
  let total = 0;
  let start = 0;
  for (let newline = output.indexOf("\n"); newline !== -1; newline = output.indexOf("\n", start)) {
    if (lines.length < max) lines.push(output.slice(start, newline));
    total++;
    start = newline + 1;
  }
  // A last line without a newline is a line too; a trailing newline does not start one.
  if (start < output.length || total === 0) {
    if (lines.length < max) lines.push(output.slice(start));
    total++;
  }
  return { lines, total };
}

function numbered(lines: string[], total: number): string[] {
  if (total < 2) return lines;
  const width = String(total).length;
  return lines.map((line, index) => `${String(index + 1).padStart(width)} │ ${line}`);
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/** Room kept for the note saying what was left out. */
const NOTE_ROOM = 60;

/**
 * The output as a code block of at most `budget` characters: line-numbered when longer than a line,
 * cut at SHOWN_LINES_MAX lines or at the budget, with a note of what was left out.
 */
function outputBlock(output: string, budget: number): { block: string; complete: boolean } {
  if (output === "") return { block: "*(no output)*", complete: true };
  const { lines: first, total } = firstLines(output, SHOWN_LINES_MAX);
  // Each line is cut to the budget first, so a megabyte on one line costs no more than a short one.
  const lines = numbered(first.map((line) => defuseMentions(line.slice(0, budget))), total);
  const shown: string[] = [];
  let length = 0;
  const fenceLength = codeBlock("").length;
  for (const [index, line] of lines.entries()) {
    // The line, its newline and the zero-width spaces codeBlock will add to it.
    const added = line.length + (index > 0 ? 1 : 0) + backticks(line);
    const room = budget - NOTE_ROOM - fenceLength - length - added;
    if (room >= 0) {
      shown.push(line);
      length += added;
    } else {
      // A line too long for the room left (print("x" * 10**5)) is cut rather than dropped, so something shows.
      if (shown.length === 0) shown.push(`${line.slice(0, Math.max(line.length + room - 1, 0))}…`);
      break;
    }
  }
  const hidden = total - shown.length;
  const cutLine = shown.length > 0 && shown[shown.length - 1] !== lines[shown.length - 1];
  const note = hidden > 0 ? `\n… ${hidden} more line${hidden === 1 ? "" : "s"} in ${OUTPUT_FILE}` : cutLine ? `\n… the rest is in ${OUTPUT_FILE}` : "";
  return { block: codeBlock(shown.join("\n")) + note, complete: note === "" };
}

/** Room codeBlock adds inside a line: one zero-width space per backtick that follows another. */
function backticks(line: string): number {
  return line.match(/`(?=`)/g)?.length ?? 0;
}

function status(result: RunResult, limits: RunLimits): { title: string; line?: string; tone: "success" | "error" | "warning" } {
  if (result.outcome === "limit" && result.limit) return { title: "Stopped by a limit", line: describeLimit(result.limit, limits), tone: "warning" };
  if (result.outcome === "ok") return { title: "Finished", tone: "success" };
  if (result.signal) return { title: `Ended by signal ${result.signal}`, tone: "error" };
  const signal = result.exitCode !== null && result.exitCode > 128 ? SIGNAL_NAMES.get(result.exitCode - 128) : undefined;
  // Only a number: a program can exit with 137 itself, so it is never taken for a limit, just read for the learner.
  const meaning = signal ? `, as a process ended by ${signal} reports` : "";
  return { title: `Finished with an error (exit code ${result.exitCode}${meaning})`, tone: "error" };
}

/** Plain words for each bound the result hit on its way, under the output. */
function cappedNote(result: RunResult): string {
  return result.capped.length === 0 ? "" : `\n-# Shortened: ${result.capped.join("; ")}.`;
}

function hintField(hint: Hint): Field {
  const where = hint.line === undefined ? "" : ` (line ${hint.line})`;
  return { name: `Hint${where}`, value: hint.message.slice(0, FIELD_VALUE_MAX) };
}

/** A concept's title by its id (the loaded content's), so the run feature needs no content of its own. */
export type ConceptTitles = (conceptId: string) => string | undefined;

/** One "Explain …" button per concept the hints point to, labelled by its title, at most a row. */
function hintButtons(hints: Hint[], titles: ConceptTitles): Button[] {
  const concepts = [...new Set(hints.flatMap((hint) => (hint.concept ? [hint.concept] : [])))].slice(0, BUTTONS_PER_ROW_MAX);
  return concepts.map((concept) => ({
    label: `Explain: ${titles(concept) ?? concept.replace(/-/g, " ")}`.slice(0, BUTTON_LABEL_MAX),
    action: actionId("explain", "show", concept),
    style: "secondary",
  }));
}

/** "3.14" of a release like "3.14.10"; undefined for anything else (the runner's report is not trusted). */
export function versionOf(release: string): string | undefined {
  return /^(3\.\d+)\.\d+$/.exec(release)?.[1];
}

function runButtons({ code, stdin }: Program, codeId: string, hints: Hint[], titles: ConceptTitles, ran: string | undefined, pythons: PythonChoice | undefined): Button[][] {
  // "Run again" and "Edit and run" keep the version the code just ran on; the others each get a button.
  const again: Button = { label: "Run again", action: actionId("run", "again", codeId, ...(ran ? [ran] : [])), style: "primary" };
  const edit: Button = { label: "Edit and run", action: actionId("run", "edit", codeId, ...(ran ? [ran] : [])), style: "secondary" };
  const others = (pythons?.versions ?? []).filter((version) => version !== ran).slice(0, BUTTONS_PER_ROW_MAX);
  const elsewhere: Button[] = others.map((version) => ({ label: `Run in ${version}`, action: actionId("run", "again", codeId, version), style: "secondary" }));
  const explain = hintButtons(hints, titles);
  // Longer code (or input) cannot be edited in a form.
  return [code.length <= FORM_VALUE_MAX && stdin.length <= FORM_VALUE_MAX ? [again, edit] : [again], ...[elsewhere, explain].filter((row) => row.length > 0)];
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
 * The answer to a finished run: the program that ran, status at a glance, the output (defused, numbered, cut to Discord's
 * limits with the full text attached), wall and CPU time, the Python version, explanations of asyncio
 * mistakes it shows, a picture of what the event loop did (with a text version), and buttons to run again.
 * `codeId` is the program's id in the run code store, for the buttons; `stdin` what the program read; `titles`
 * labels the hints' explain buttons; with `pythons`, a "Run in 3.x" button for each other version offered.
 */
export function runResultReply(
  result: RunResult,
  limits: RunLimits,
  code: string,
  codeId: string,
  { stdin = "", titles = () => undefined, pythons }: { stdin?: string; titles?: ConceptTitles; pythons?: PythonChoice } = {},
): Reply {
  const program: Program = { code, stdin };
  const { title, line, tone } = status(result, limits);
  const output = interleavedOutput(result);
  const hints = findHints(result, program.code);
  const shownCode = codeCard(program);
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
  const capped = cappedNote(result);
  const framing = fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0) + extraCards.reduce((sum, card) => sum + cardSize(card), 0) + cardSize(shownCode.card);
  const budget = Math.min(CARD_BODY_MAX, MESSAGE_CARDS_MAX - CARD_FRAME_ROOM - framing) - intro.length - capped.length;
  const { block, complete } = outputBlock(output, budget);
  const attachments = [
    ...shownCode.attachments,
    ...(complete ? [] : [{ name: OUTPUT_FILE, data: Buffer.from(output), description: "Everything your code printed" }]),
    ...(timeline ? [timeline.attachment] : []),
  ];
  return {
    cards: [shownCode.card, { title, body: `${intro}${block}${capped}`, fields, tone }, ...extraCards],
    buttons: runButtons(program, codeId, hints, titles, versionOf(result.python), pythons),
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
 * The form that asks for code and, optionally, the program's standard input: empty for /run, pre-filled for "Edit
 * and run". With `pythons`, it also asks which version to run on, `python` (or the default) chosen to begin with.
 */
export function codeForm(program?: Program, pythons?: PythonChoice, python?: string): Form {
  const codeInput: TextInput = {
    id: "code",
    label: "Python code",
    multiline: true,
    value: program?.code,
    placeholder: 'import asyncio\n\nasync def main():\n    print("hi")\n\nasyncio.run(main())',
    required: true,
    maxLength: FORM_VALUE_MAX,
  };
  const stdinInput: TextInput = {
    id: "input",
    label: "Input (what input() reads), optional",
    multiline: true,
    value: program?.stdin || undefined,
    placeholder: "Lines your program reads from standard input, one per input() call",
    required: false,
    maxLength: FORM_VALUE_MAX,
  };
  const versionInput: ChoiceInput | undefined = pythons && {
    id: "python",
    label: "Python version",
    // A select holds at most 25 options; Loopy offers a handful.
    choices: pythons.versions.map((version) => ({ label: `Python ${version}${version === pythons.default ? " (default)" : ""}`, value: version })),
    value: python !== undefined && pythons.versions.includes(python) ? python : pythons.default,
  };
  return { action: actionId("run", "form"), title: "Run Python", inputs: [codeInput, stdinInput, ...(versionInput ? [versionInput] : [])] };
}
