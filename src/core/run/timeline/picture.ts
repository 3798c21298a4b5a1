import { existsSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import { laneLabels, readySpan, shownSpan } from "./lanes.js";
import type { Interval, Timeline, TimelineTask } from "../protocol.js";
import { BLOCKING_STEP_MS, formatDuration, isBlockingStep, MAX_LANES, waitOf, type OutputLine } from "./timeline.js";

/**
 * The timeline as a picture: one lane per task on a shared time axis that starts with the program's first
 * task or line, running steps as bars (red when a step blocked the loop), waits as thin lines labelled with
 * what was awaited, the end of a wait where the task was ready but the loop busy as a dotted line, printed
 * lines marked below.
 * An opaque slate panel with light text reads the same in Discord's dark and light themes. Discord shows
 * embed images about 400–520 px wide, so the picture is drawn 720 units wide with large type, at 2× pixels.
 */
const WIDTH = 720;
const PAD = 16;
const LABEL_WIDTH = 156;
const OUTCOME_ROOM = 24;
const PLOT_LEFT = PAD + LABEL_WIDTH;
const PLOT_RIGHT = WIDTH - PAD - OUTCOME_ROOM;
const HEADER_HEIGHT = 74;
const LANE_HEIGHT = 36;
const BAR_HEIGHT = 14;
const PRINT_ROW_HEIGHT = 20;
const PRINT_LABEL_ROWS = 3;
const AXIS_HEIGHT = 30;
const FOOTER_LINE = 16;
/** Printed lines get a label while few enough to be told apart. */
const MAX_LABELLED_LINES = 12;
/** Runs of steps closer than this (in picture units) draw as one bar, so busy lanes stay light. */
const MERGE_GAP = 1;
const MIN_BAR_WIDTH = 1.5;
const PNG_ZOOM = 2;

const COLORS = {
  background: "#1e2430",
  border: "#3b4455",
  text: "#e8ecf3",
  muted: "#9aa5b8",
  grid: "#323b4b",
  running: "#4ade80",
  blocking: "#f87171",
  waiting: "#8b95a7",
  ready: "#c4b5fd",
  stdout: "#7dd3fc",
  stderr: "#fca5a5",
  cancelled: "#fbbf24",
};
const FONT = "DejaVu Sans, Verdana, sans-serif";
/** Debian's fonts-dejavu-core; resvg draws no text without a font. Looked for once, not at every /run. */
const FONT_FILES = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"].filter((file) => existsSync(file));
/** Average DejaVu Sans glyph width as a share of the font size, to fit labels without measuring. */
const CHAR_WIDTH = 0.6;

export function renderTimelinePng(timeline: Timeline, lines: readonly OutputLine[]): Buffer {
  const resvg = new Resvg(renderTimelineSvg(timeline, lines), {
    fitTo: { mode: "zoom", value: PNG_ZOOM },
    // Scanning every system font costs ~40 ms a picture; DejaVu is all it draws with, so only without it look further.
    font: { fontFiles: FONT_FILES, loadSystemFonts: FONT_FILES.length === 0, defaultFontFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}

export function renderTimelineSvg(timeline: Timeline, lines: readonly OutputLine[]): string {
  const shown = timeline.tasks.slice(0, MAX_LANES);
  const { startMs, endMs } = shownSpan(timeline, shown, lines);
  const spanMs = endMs - startMs;
  const x = (ms: number) => PLOT_LEFT + ((Math.min(Math.max(ms, startMs), endMs) - startMs) / spanMs) * (PLOT_RIGHT - PLOT_LEFT);
  const labels = laneLabels(shown);

  const lanesTop = HEADER_HEIGHT;
  const printTop = lanesTop + shown.length * LANE_HEIGHT;
  const labelled = lines.length <= MAX_LABELLED_LINES;
  const printHeight = PRINT_ROW_HEIGHT + (labelled && lines.length > 0 ? PRINT_LABEL_ROWS * 15 : 0);
  const axisTop = printTop + printHeight;
  const footer = footerNotes(timeline, shown.length);
  const height = axisTop + AXIS_HEIGHT + footer.length * FOOTER_LINE + PAD;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}">`,
    `<rect x="0.5" y="0.5" width="${WIDTH - 1}" height="${height - 1}" rx="8" fill="${COLORS.background}" stroke="${COLORS.border}"/>`,
    ...header(timeline, spanMs),
    ...grid(startMs, spanMs, x, lanesTop, axisTop),
    ...shown.flatMap((task, index) => lane(timeline, task, labels[index]!, lanesTop + index * LANE_HEIGHT, x)),
    ...printedRow(lines, printTop, lanesTop, labelled, x),
    ...axis(startMs, spanMs, x, axisTop),
    ...footer.map((note, index) => text(PAD, axisTop + AXIS_HEIGHT + index * FOOTER_LINE + 4, note, { size: 11, fill: COLORS.muted })),
    "</svg>",
  ];
  return parts.join("\n");
}

/** The legend's entries: a swatch and what it means, laid out left to right in rows. */
function legend(top: number): string[] {
  const swatches: { draw: (left: number, baseline: number) => string; label: string }[] = [
    { draw: (left, baseline) => rect(left, baseline - 9, 16, 10, COLORS.running), label: "running" },
    { draw: (left, baseline) => rect(left, baseline - 5, 16, 2, COLORS.waiting), label: "waiting on something" },
    { draw: (left, baseline) => readyLine(left, left + 16, baseline - 4), label: "ready, waiting for the loop" },
    { draw: (left, baseline) => rect(left, baseline - 9, 16, 10, COLORS.blocking), label: `blocking the loop (≥ ${BLOCKING_STEP_MS} ms)` },
    { draw: (left, baseline) => rect(left + 7, baseline - 10, 2, 12, COLORS.stdout), label: "a line printed" },
    ...(["result", "exception", "cancelled"] as const).map((outcome) => ({
      draw: (left: number, baseline: number) => text(left + 3, baseline, OUTCOME_MARKS[outcome].mark, { size: 12, fill: OUTCOME_MARKS[outcome].fill, weight: "bold" }),
      label: OUTCOME_MARKS[outcome].meaning,
    })),
  ];
  const parts: string[] = [];
  let left = PAD;
  let baseline = top;
  for (const { draw, label } of swatches) {
    const width = 22 + label.length * 11 * CHAR_WIDTH + 14;
    if (left + width > WIDTH - PAD) {
      left = PAD;
      baseline += 16;
    }
    parts.push(draw(left, baseline), text(left + 22, baseline, label, { size: 11, fill: COLORS.muted }));
    left += width;
  }
  return parts;
}

function header(timeline: Timeline, spanMs: number): string[] {
  const count = timeline.tasks.length;
  return [
    text(PAD, 24, "Tasks on the event loop", { size: 15, weight: "bold" }),
    text(WIDTH - PAD, 24, `${count} task${count === 1 ? "" : "s"} · ${formatDuration(spanMs)} in all`, { size: 13, anchor: "end" }),
    ...legend(44),
  ];
}

function grid(startMs: number, spanMs: number, x: (ms: number) => number, top: number, bottom: number): string[] {
  return ticks(spanMs).map((ms) => `<line x1="${n(x(startMs + ms))}" y1="${top}" x2="${n(x(startMs + ms))}" y2="${bottom}" stroke="${COLORS.grid}"/>`);
}

/** A dotted line: ready to run, waiting for the loop to get to it. */
function readyLine(left: number, right: number, y: number): string {
  return `<line x1="${n(left)}" y1="${n(y)}" x2="${n(right)}" y2="${n(y)}" stroke="${COLORS.ready}" stroke-width="3" stroke-dasharray="2 2"/>`;
}

function lane(timeline: Timeline, task: TimelineTask, label: string, top: number, x: (ms: number) => number): string[] {
  const middle = top + LANE_HEIGHT / 2;
  const parts = [
    text(PAD, middle - 2, fit(label, LABEL_WIDTH - 8, 13), { size: 13 }),
    text(PAD, middle + 12, fit(`${task.name} · ${task.createdBy}`, LABEL_WIDTH - 8, 10), { size: 10, fill: COLORS.muted }),
  ];
  for (const interval of task.intervals.filter((i) => i.kind === "waiting")) {
    const ready = readySpan(timeline, task, interval);
    const [left, right] = [x(interval.startMs), x(ready ? ready[0] : interval.endMs)];
    parts.push(rect(left, middle - 1, right - left, 2, COLORS.waiting));
    if (ready) parts.push(readyLine(x(ready[0]), x(ready[1]), middle));
    const label = waitOf(timeline, interval)?.label;
    if (label && right - left >= label.length * 10 * CHAR_WIDTH + 8) {
      parts.push(text((left + right) / 2, middle - 5, label, { size: 10, fill: COLORS.muted, anchor: "middle" }));
    }
  }
  for (const bar of bars(task.intervals, x)) {
    parts.push(rect(bar.left, middle - BAR_HEIGHT / 2, bar.right - bar.left, BAR_HEIGHT, bar.blocking ? COLORS.blocking : COLORS.running, 2));
    const label = `blocked ${formatDuration(bar.blockingMs)}`;
    if (bar.blocking && bar.right - bar.left >= label.length * 10 * CHAR_WIDTH + 8) {
      parts.push(text((bar.left + bar.right) / 2, middle + 4, label, { size: 10, fill: COLORS.background, anchor: "middle", weight: "bold" }));
    }
  }
  if (task.finishedMs !== null) parts.push(outcomeMark(task, x(task.finishedMs) + 4, middle + 4));
  return parts;
}

const OUTCOME_MARKS = {
  result: { mark: "✓", fill: COLORS.running, meaning: "finished" },
  exception: { mark: "✗", fill: COLORS.blocking, meaning: "raised" },
  cancelled: { mark: "⊘", fill: COLORS.cancelled, meaning: "cancelled" },
} as const;

function outcomeMark(task: TimelineTask, left: number, baseline: number): string {
  if (task.outcome === "pending") return "";
  const { mark, fill } = OUTCOME_MARKS[task.outcome];
  return text(left, baseline, mark, { size: 12, fill, weight: "bold" });
}

interface Bar {
  left: number;
  right: number;
  blocking: boolean;
  blockingMs: number;
}

/** Running steps as bars: neighbours closer than MERGE_GAP merge, tiny steps stay visible. */
function bars(intervals: readonly Interval[], x: (ms: number) => number): Bar[] {
  const merged: Bar[] = [];
  for (const interval of intervals) {
    if (interval.kind !== "running") continue;
    const lengthMs = interval.endMs - interval.startMs;
    const blocking = isBlockingStep(interval);
    const left = x(interval.startMs);
    const right = Math.max(x(interval.endMs), left + MIN_BAR_WIDTH);
    const last = merged.at(-1);
    if (last && left - last.right < MERGE_GAP && last.blocking === blocking) {
      last.right = Math.max(last.right, right);
      last.blockingMs += blocking ? lengthMs : 0;
    } else {
      merged.push({ left, right, blocking, blockingMs: blocking ? lengthMs : 0 });
    }
  }
  return merged;
}

function printedRow(lines: readonly OutputLine[], top: number, lanesTop: number, labelled: boolean, x: (ms: number) => number): string[] {
  const parts = [text(PAD, top + 14, "printed", { size: 12, fill: COLORS.muted })];
  if (lines.length === 0) {
    parts.push(text(PLOT_LEFT, top + 14, "(nothing)", { size: 11, fill: COLORS.muted }));
    return parts;
  }
  const rowEnds = Array.from({ length: PRINT_LABEL_ROWS }, () => -Infinity);
  // One mark per stream and picture unit: more lines than that draw the same, and the picture stays small.
  const marked = new Set<string>();
  for (const line of lines) {
    const left = x(line.atMs);
    const color = line.stream === "stderr" ? COLORS.stderr : COLORS.stdout;
    const mark = `${line.stream} ${Math.round(left)}`;
    if (marked.has(mark) && !labelled) continue;
    marked.add(mark);
    // A faint guide up through the lanes shows which task was running when the line was printed; with more lines
    // than can be labelled, guides would only grey the lanes over (and cost the most to draw).
    if (labelled) parts.push(`<line x1="${n(left)}" y1="${lanesTop}" x2="${n(left)}" y2="${top}" stroke="${color}" stroke-opacity="0.25" stroke-dasharray="2 3"/>`);
    parts.push(rect(left - 1, top + 3, 2, 14, color));
    if (!labelled) continue;
    const label = fit(line.text.trim() || "(empty line)", 150, 11);
    const width = label.length * 11 * CHAR_WIDTH;
    const textLeft = Math.min(left + 3, WIDTH - PAD - width);
    const row = rowEnds.findIndex((end) => end < textLeft);
    if (row === -1) continue;
    rowEnds[row] = textLeft + width + 6;
    parts.push(text(textLeft, top + PRINT_ROW_HEIGHT + 11 + row * 15, label, { size: 11, fill: color }));
  }
  return parts;
}

/** The axis counts from the shown span's start: 0 is the program's first task or line. */
function axis(startMs: number, spanMs: number, x: (ms: number) => number, top: number): string[] {
  const parts = [`<line x1="${PLOT_LEFT}" y1="${top}" x2="${PLOT_RIGHT}" y2="${top}" stroke="${COLORS.muted}"/>`];
  for (const ms of ticks(spanMs)) {
    parts.push(`<line x1="${n(x(startMs + ms))}" y1="${top}" x2="${n(x(startMs + ms))}" y2="${top + 5}" stroke="${COLORS.muted}"/>`);
    parts.push(text(x(startMs + ms), top + 18, tickLabel(ms), { size: 11, fill: COLORS.muted, anchor: "middle" }));
  }
  return parts;
}

function footerNotes(timeline: Timeline, shownLanes: number): string[] {
  const notes: string[] = [];
  const hidden = timeline.tasks.length - shownLanes + timeline.droppedTasks;
  if (hidden > 0) notes.push(`${hidden} more task${hidden === 1 ? "" : "s"} not shown.`);
  if (timeline.droppedSteps > 0) notes.push(`A busy program: ${timeline.droppedSteps} short steps were not recorded.`);
  return [...notes, ...callGraphNotes(timeline)];
}

/** Lines of the picture's footer for the call graph (3.14+): where pending tasks were waiting, as Python printed it. */
const CALL_GRAPH_LINES = 10;

function callGraphNotes(timeline: Timeline): string[] {
  if (!timeline.callGraph) return [];
  const lines = timeline.callGraph.split("\n").filter((line) => line.trim() !== "");
  const shown = lines.slice(0, CALL_GRAPH_LINES).map((line) => fit(line.replace(/ id=0x[0-9a-f]+/g, ""), WIDTH - 2 * PAD, 11));
  const more = lines.length - shown.length;
  return ["Where pending tasks were waiting (Python's call graph):", ...shown, ...(more > 0 ? [`… ${more} more lines in the reply`] : [])];
}

/** Round axis ticks: 1, 2 or 5 × a power of ten, four to eight of them. */
export function ticks(endMs: number): number[] {
  const rough = endMs / 6;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) ?? power * 10;
  const result: number[] = [];
  for (let ms = 0; ms <= endMs + step * 1e-9; ms += step) result.push(ms);
  return result;
}

function tickLabel(ms: number): string {
  if (ms === 0) return "0";
  return ms < 1000 ? `${+ms.toFixed(1)} ms` : `${+(ms / 1000).toFixed(2)} s`;
}

/** Cuts text to fit `width` units at `size`, with an ellipsis. */
function fit(value: string, width: number, size: number): string {
  const max = Math.floor(width / (size * CHAR_WIDTH));
  return value.length <= max ? value : `${value.slice(0, Math.max(max - 1, 1))}…`;
}

function rect(left: number, top: number, width: number, height: number, fill: string, radius = 0): string {
  return `<rect x="${n(left)}" y="${n(top)}" width="${n(Math.max(width, 0))}" height="${n(height)}"${radius ? ` rx="${radius}"` : ""} fill="${fill}"/>`;
}

interface TextStyle {
  size: number;
  fill?: string;
  weight?: "bold";
  anchor?: "start" | "middle" | "end";
}

function text(left: number, baseline: number, value: string, style: TextStyle): string {
  const attributes = [
    `x="${n(left)}"`,
    `y="${n(baseline)}"`,
    `font-size="${style.size}"`,
    `fill="${style.fill ?? COLORS.text}"`,
    style.weight ? `font-weight="${style.weight}"` : "",
    style.anchor && style.anchor !== "start" ? `text-anchor="${style.anchor}"` : "",
  ];
  return `<text ${attributes.filter(Boolean).join(" ")}>${escapeXml(value)}</text>`;
}

function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function escapeXml(value: string): string {
  // Learners print anything: control characters other than tab are not allowed in XML at all.
  return value
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
