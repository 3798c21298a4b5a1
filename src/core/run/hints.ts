import { inlineCode } from "../markdown.js";
import type { RunResult } from "./protocol.js";
import { blockingSteps, BLOCKING_STEP_MS, formatDuration, waitOf } from "./timeline/timeline.js";
import type { Interval, Timeline, TimelineTask } from "./protocol.js";

/**
 * Known asyncio mistakes found in a finished run: in what it printed to stderr and in its task timeline.
 * Each hint says what happened in a sentence or two, what to write instead, and which /explain concept
 * (content/CONCEPTS.txt) tells the whole story. Names taken from the run (function and task names, calls
 * as written) are learner-controlled: they reach the Markdown only through inlineCode.
 */
export interface Hint {
  id: HintId;
  /** Markdown, a few sentences: what happened and what to write instead. */
  message: string;
  /** The line of main.py it is about, when known. */
  line?: number;
  /** A concept id for an "explain" button; none when Loopy has no page on it. */
  concept?: string;
}

export type HintId =
  | "never-awaited"
  | "await-outside-function"
  | "asyncio-run-nested"
  | "asyncio-run-function"
  | "loop-already-running"
  | "blocking-the-loop"
  | "task-destroyed"
  | "task-cancelled-at-exit"
  | "task-exception-unretrieved"
  | "sequential-awaits"
  | "no-stdin"
  | "file-too-large"
  | "third-party-module"
  | "no-network";

export type HintSource = Pick<RunResult, "stderr" | "timeline" | "limit">;

/** Hints for a run, most important first; `code` (the program run) lets them point at a line and quote it. */
export function findHints(result: HintSource, code = ""): Hint[] {
  const hints = [
    ...awaitOutsideFunction(result.stderr),
    ...asyncioRunNested(result.stderr, code),
    ...asyncioRunFunction(result.stderr, code),
    ...loopAlreadyRunning(result.stderr, code),
    ...taskExceptionUnretrieved(result.stderr),
    ...blockingTheLoop(result, code),
    ...taskDestroyed(result.stderr),
    ...taskCancelledAtExit(result.timeline, code),
    ...noStdin(result.stderr),
    ...fileTooLarge(result.stderr),
    ...thirdPartyModule(result.stderr),
    ...noNetwork(result.stderr),
    ...sequentialAwaits(result.timeline),
  ];
  // The coroutine handed to an asyncio.run() or run_until_complete() that refused to start is never awaited
  // too; the hint on the refusal says what to write, one hint is enough.
  const refused = hints.some((hint) => hint.id === "asyncio-run-nested" || hint.id === "loop-already-running");
  return [...(refused ? [] : neverAwaited(result.stderr, code)), ...hints];
}

const MAIN_PY = String.raw`(?:/tmp/)?main\.py`;

/** The line of main.py the last traceback entry in `text` points at: where it went wrong. */
function lastTracebackLine(text: string): number | undefined {
  const lines = [...text.matchAll(new RegExp(String.raw`File "${MAIN_PY}", line (\d+)`, "g"))];
  const last = lines.at(-1);
  return last ? Number(last[1]) : undefined;
}

/** The first line of `code` that matches, 1-based. */
function lineOf(code: string, pattern: RegExp): number | undefined {
  const index = code.split("\n").findIndex((line) => pattern.test(line));
  return index === -1 ? undefined : index + 1;
}

function withLine(hint: Hint, line: number | undefined): Hint {
  return line === undefined ? hint : { ...hint, line };
}

/** A name as Python spells it (Unicode letters too), possibly dotted: `asyncio.sleep`, `self.fetch`. */
const DOTTED_NAME = String.raw`[\p{L}\p{N}_]+(?:\s*\.\s*[\p{L}\p{N}_]+)*`;

/**
 * The call of `name` on `line` of `code` as written, with its arguments shortened: `asyncio.sleep(…)` for a
 * warning that names only `sleep`, `main()` when it has none. Undefined when the line has no such call.
 */
function callOnLine(code: string, line: number, name: string): string | undefined {
  const text = code.split("\n")[line - 1] ?? "";
  const match = new RegExp(String.raw`(?<![\p{L}\p{N}_.])((?:${DOTTED_NAME}\s*\.\s*)?${escapeRegExp(name)})\s*\((\s*\))?`, "u").exec(text);
  return match ? `${match[1]!.replace(/\s+/g, "")}(${match[2] ? "" : "…"})` : undefined;
}

/** Where a line of the program is: at module level, in a coroutine (`async def`) or in a plain function. */
type Place = { kind: "module" } | { kind: "coroutine" | "function"; name: string };

/** The innermost `def` or `async def` around `line`, by indentation (a class body counts as module level). */
function placeOf(code: string, line: number): Place {
  const lines = code.split("\n");
  const indent = (text: string) => text.match(/^[ \t]*/)![0].length;
  let within = indent(lines[line - 1] ?? "");
  for (let index = line - 2; index >= 0 && within > 0; index--) {
    const text = lines[index]!;
    if (text.trim() === "" || text.trim().startsWith("#") || indent(text) >= within) continue;
    within = indent(text);
    const def = new RegExp(String.raw`^\s*(async\s+)?def\s+([\p{L}\p{N}_]+)`, "u").exec(text);
    if (def) return { kind: def[1] ? "coroutine" : "function", name: def[2]! };
  }
  return { kind: "module" };
}

/** The first line of `code` that calls `name` (not its `def`), for a warning without a line ("sys:1"). */
function firstCallLine(code: string, name: string): number | undefined {
  return lineOf(code, new RegExp(String.raw`^(?!\s*(?:async\s+)?def\s).*(?<![\p{L}\p{N}_])${escapeRegExp(name)}\s*\(`, "u"));
}

/** What to write instead of a bare call of a coroutine function, for where the call is. */
function runItAdvice(call: string, place: Place | undefined): string {
  const made = `Calling ${inlineCode(call)} only made a coroutine object; its code never ran. `;
  if (place?.kind === "module") {
    return `${made}At the top of the program no event loop is running yet, so \`await\` and \`create_task\` cannot work there: write ${inlineCode(`asyncio.run(${call})`)}, which starts the loop, runs it to the end and closes the loop.`;
  }
  if (place?.kind === "function") {
    return `${made}It is called in ${inlineCode(`${place.name}()`)}, a plain \`def\`, which cannot \`await\`: make it \`async def\` and write ${inlineCode(`await ${call}`)} (then await the calls of ${inlineCode(`${place.name}()`)} in turn).`;
  }
  const inside = `Inside an \`async def\`, write ${inlineCode(`await ${call}`)} to run it and wait for it, or ${inlineCode(`asyncio.create_task(${call})`)} to start it alongside`;
  return place ? `${made}${inside}.` : `${made}${inside}; at the top of the program, ${inlineCode(`asyncio.run(${call})`)}.`;
}

function neverAwaited(stderr: string, code: string): Hint[] {
  const warnings = [...stderr.matchAll(new RegExp(String.raw`(?:${MAIN_PY}:(\d+)|sys:1): RuntimeWarning: coroutine '([^'\n]{1,200})' was never awaited`, "g"))];
  const seen = new Set<string>();
  return warnings.flatMap(([, warnedLine, qualname]) => {
    if (seen.has(qualname!)) return [];
    seen.add(qualname!);
    const name = qualname!.split(".").at(-1)!;
    // The warning gives the line where the coroutine object was thrown away ("sys:1": at exit). That is
    // usually the call, but a returned coroutine is dropped by its caller: then the call is found in the code.
    const warned = warnedLine ? Number(warnedLine) : undefined;
    const line = warned !== undefined && callOnLine(code, warned, name) ? warned : (firstCallLine(code, name) ?? warned);
    const call = (line !== undefined ? callOnLine(code, line, name) : undefined) ?? `${name}(…)`;
    const place = line !== undefined && code !== "" ? placeOf(code, line) : undefined;
    return [withLine({ id: "never-awaited", message: runItAdvice(call, place), concept: "never-awaited" }, line)];
  });
}

function awaitOutsideFunction(stderr: string): Hint[] {
  const match = /SyntaxError: '(await|async for|async with)' outside (async )?function/.exec(stderr);
  if (!match) return [];
  const [, keyword, inPlainFunction] = match;
  const message = inPlainFunction
    ? `\`${keyword}\` only works inside an \`async def\` function, and this one is a plain \`def\`. Make it \`async def\`, and \`await\` it where it is called.`
    : `\`${keyword}\` only works inside an \`async def\` function. Put the code in \`async def main():\` and start it with \`asyncio.run(main())\`.`;
  return [withLine({ id: "await-outside-function", message, concept: "await-outside-function" }, lastTracebackLine(stderr))];
}

/** The argument of the first `func(...)` on `line`, as written: up to its matching closing parenthesis. */
function argumentOnLine(code: string, line: number | undefined, func: string): string | undefined {
  if (line === undefined) return undefined;
  const text = code.split("\n")[line - 1] ?? "";
  const open = new RegExp(String.raw`${func}\s*\(`).exec(text);
  if (!open) return undefined;
  const start = open.index + open[0].length;
  let depth = 1;
  for (let index = start; index < text.length; index++) {
    if ("([{".includes(text[index]!)) depth++;
    else if (")]}".includes(text[index]!) && --depth === 0) return text.slice(start, index).trim() || undefined;
  }
  return undefined;
}

function asyncioRunNested(stderr: string, code: string): Hint[] {
  if (!stderr.includes("asyncio.run() cannot be called from a running event loop")) return [];
  const line = lastTracebackLine(stderr);
  const inner = argumentOnLine(code, line, String.raw`asyncio\s*\.\s*run`) ?? "other()";
  return [
    withLine(
      {
        id: "asyncio-run-nested",
        message:
          "`asyncio.run()` starts the event loop, so it belongs once at the top of the program. " +
          `Inside a coroutine the loop is already running: write ${inlineCode(`await ${inner}`)} instead of ${inlineCode(`asyncio.run(${inner})`)}.`,
        concept: "asyncio-run",
      },
      line,
    ),
  ];
}

/**
 * asyncio.run(main): the function, not a coroutine. Python 3.11–3.13 raise "ValueError: a coroutine was
 * expected, got <function main …>", 3.14 and later "TypeError: An asyncio.Future, a coroutine or an awaitable
 * is required" (from asyncio's runners.py, which tells it from the same TypeError of ensure_future).
 */
function asyncioRunFunction(stderr: string, code: string): Hint[] {
  const older = /ValueError: a coroutine was expected, got <function ([^\s>]{1,200})/.exec(stderr);
  const newer = /asyncio[/\\]runners\.py", line \d+[^\n]*\n(?:[^\n]*\n){0,6}TypeError: An asyncio\.Future, a coroutine or an awaitable is required/.test(stderr);
  if (!older && !newer) return [];
  const line = lastTracebackLine(stderr);
  const written = argumentOnLine(code, line, String.raw`asyncio\s*\.\s*run`);
  // Only a bare name is a function handed over uncalled; anything else passed is some other mistake.
  const name = written !== undefined && new RegExp(String.raw`^${DOTTED_NAME}$`, "u").test(written) ? written : older?.[1];
  if (!name) return [];
  return [
    withLine(
      {
        id: "asyncio-run-function",
        message:
          `${inlineCode(name)} is the \`async def\` function itself; \`asyncio.run()\` needs the coroutine object that calling it makes. ` +
          `Call it: ${inlineCode(`asyncio.run(${name}())`)}.`,
        concept: "asyncio-run",
      },
      line,
    ),
  ];
}

/** loop.run_until_complete() (or run_forever()) where a loop is already running: inside a coroutine, or code it calls. */
function loopAlreadyRunning(stderr: string, code: string): Hint[] {
  if (!/RuntimeError: This event loop is already running/.test(stderr)) return [];
  const line = lastTracebackLine(stderr);
  const inner = argumentOnLine(code, line, "run_until_complete");
  const place = line === undefined ? undefined : placeOf(code, line);
  const instead = inner ? `write ${inlineCode(`await ${inner}`)} instead` : "`await` what you wanted to run instead";
  const where =
    place?.kind === "function"
      ? `Make ${inlineCode(`${place.name}()`)} an \`async def\`, \`await\` it where it is called, and in it ${instead}.`
      : `In a coroutine, ${instead}; to start something alongside, \`asyncio.create_task(...)\`.`;
  return [
    withLine(
      {
        id: "loop-already-running",
        message:
          "`loop.run_until_complete()` and `loop.run_forever()` start the event loop and wait for it, but here the loop was already running: " +
          `this code runs inside it, so it cannot be started again. ${where}`,
        concept: "event-loop",
      },
      line,
    ),
  ];
}

function taskExceptionUnretrieved(stderr: string): Hint[] {
  const at = stderr.indexOf("Task exception was never retrieved");
  if (at === -1) return [];
  const report = stderr.slice(at);
  const task = /coro=<([\w.<>]+)\(\)/.exec(report)?.[1];
  const exception = /exception=(\w+)\(/.exec(report)?.[1];
  const what = task ? inlineCode(`${task}()`) : "A task";
  return [
    withLine(
      {
        id: "task-exception-unretrieved",
        message:
          `${what} failed${exception ? ` with ${inlineCode(exception)}` : ""}, but nothing awaited it, so the error surfaced only when the task was thrown away. ` +
          "Keep the task and `await` it (in a `try` if you expect errors), or start it in an `async with asyncio.TaskGroup()` block, which waits and raises for you.",
        concept: "tasks",
      },
      lastTracebackLine(report),
    ),
  ];
}

const TIME_SLEEP = /\btime\.sleep\(/;

function blockingFix(timeSleep: boolean): string {
  return timeSleep
    ? "`time.sleep()` stops the whole thread, loop included: write `await asyncio.sleep()` instead."
    : "Code that keeps computing or waits without `await` (time.sleep, requests, file reads) stops everything: use `await asyncio.sleep()`, or move the work off the loop with `await asyncio.to_thread(func, …)`.";
}

function whileOthers(stuck: number): string {
  return `while ${stuck} other task${stuck === 1 ? "" : "s"} could not run`;
}

function blockingTheLoop({ timeline, limit }: Pick<HintSource, "timeline" | "limit">, code: string): Hint[] {
  if (!timeline) return [];
  if (timeline.heldAtStop && (limit === "time" || limit === "cpu")) return heldUntilStopped(timeline, timeline.heldAtStop, code);
  const blocked = timeline.tasks
    .flatMap((task) => blockingSteps(task).map((step) => ({ task, step })))
    .sort((a, b) => length(b.step) - length(a.step));
  const longest = blocked[0];
  if (!longest) return [];
  const totalMs = blocked.reduce((sum, { step }) => sum + length(step), 0);
  const where = [...new Set(blocked.map(({ task }) => task.coroutine))].slice(0, 3).map((name) => inlineCode(`${name}()`)).join(", ");
  const stuck = blocked.reduce((most, { task, step }) => Math.max(most, othersAlive(timeline, task, step)), 0);
  const sleepLine = lineOf(code, TIME_SLEEP);
  const held = blocked.length === 1 ? `for ${formatDuration(totalMs)}` : `${blocked.length} times, ${formatDuration(totalMs)} in all`;
  return [
    withLine(
      {
        id: "blocking-the-loop",
        message:
          `${where} held the event loop ${held} without reaching an \`await\` (over ${BLOCKING_STEP_MS} ms at a time), ` +
          `${stuck > 0 ? whileOthers(stuck) : "and no other task could have run meanwhile"}. ${blockingFix(sleepLine !== undefined)}`,
        concept: "blocking-the-loop",
      },
      sleepLine,
    ),
  ];
}

/** A time or CPU limit stopped the run while one task's step still held the loop: the classic never-awaiting coroutine. */
function heldUntilStopped(timeline: Timeline, held: NonNullable<Timeline["heldAtStop"]>, code: string): Hint[] {
  const task = timeline.tasks.find((candidate) => candidate.id === held.taskId);
  const step = task?.intervals.at(-1);
  if (!task || !step) return [];
  // The line it was stopped at says best whether it was time.sleep; without it, any time.sleep in the code.
  const line = held.line ?? lineOf(code, TIME_SLEEP);
  const timeSleep = line !== undefined && TIME_SLEEP.test(code.split("\n")[line - 1] ?? "");
  const stuck = othersAlive(timeline, task, step);
  // The line is the innermost one of main.py the loop's thread was at: name the function it is in (spinner()
  // awaited by main()), not only the task's own coroutine.
  const place = line === undefined || code === "" ? undefined : placeOf(code, line);
  const inner = place && place.kind !== "module" && place.name !== task.coroutine.split(".").at(-1) ? place.name : undefined;
  const who = inner ? `${inlineCode(`${inner}()`)} (awaited in the task of ${inlineCode(`${task.coroutine}()`)})` : inlineCode(`${task.coroutine}()`);
  return [
    withLine(
      {
        id: "blocking-the-loop",
        message:
          `${who} never gave the event loop back: it ran for ${formatDuration(length(step))} without reaching an \`await\`, ` +
          `so the run was stopped${stuck > 0 ? `, ${whileOthers(stuck)}` : ""}. ${blockingFix(timeSleep)}`,
        concept: "blocking-the-loop",
      },
      line,
    ),
  ];
}

function length(interval: Interval): number {
  return interval.endMs - interval.startMs;
}

/** How many other tasks existed, unfinished, during `step`: the ones it kept from running. */
function othersAlive(timeline: Timeline, task: TimelineTask, step: Interval): number {
  return timeline.tasks.filter(
    (other) => other !== task && other.createdMs < step.endMs && (other.finishedMs === null || other.finishedMs > step.startMs),
  ).length;
}

function taskDestroyed(stderr: string): Hint[] {
  if (!stderr.includes("Task was destroyed but it is pending!")) return [];
  const task = /Task was destroyed but it is pending!\ntask: <Task pending name='[^']*' coro=<([\w.<>]+)\(\)/.exec(stderr)?.[1];
  return [
    {
      id: "task-destroyed",
      message:
        `${task ? `The task running ${inlineCode(`${task}()`)}` : "A task"} was still waiting when its event loop closed, so it was thrown away unfinished. ` +
        "Keep a reference to every task you start and `await` it before the end (or use `asyncio.TaskGroup`), and run the program with `asyncio.run(main())`, which cleans up for you.",
      concept: "task-references",
    },
  ];
}

/** Tasks asyncio.run cancelled because main() returned without waiting for them. */
function taskCancelledAtExit(timeline: Timeline | undefined, code: string): Hint[] {
  const main = timeline?.tasks.find((task) => task.createdBy === "asyncio.run");
  if (!timeline || !main || main.outcome !== "result" || main.finishedMs === null) return [];
  const mainEnd = main.finishedMs;
  const left = timeline.tasks.filter((task) => task.outcome === "cancelled" && task.finishedMs !== null && task.finishedMs >= mainEnd);
  const first = left[0];
  if (!first) return [];
  const names = left.slice(0, 3).map((task) => inlineCode(`${task.coroutine}()`));
  const more = left.length > 3 ? ` and ${left.length - 3} more` : "";
  return [
    withLine(
      {
        id: "task-cancelled-at-exit",
        message:
          `${inlineCode(`${main.coroutine}()`)} returned while ${names.join(", ")}${more} ${left.length === 1 ? "was" : "were"} still running, so \`asyncio.run\` cancelled ${left.length === 1 ? "it" : "them"} before ${left.length === 1 ? "it" : "they"} finished. ` +
          "Keep each task (`task = asyncio.create_task(...)`) and `await task` before returning, or start them in `async with asyncio.TaskGroup() as tg:`, which waits for all of them.",
        concept: "task-references",
      },
      lineOf(code, new RegExp(String.raw`create_task\(\s*${escapeRegExp(first.coroutine.split(".").at(-1)!)}\(`)),
    ),
  ];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function fileTooLarge(stderr: string): Hint[] {
  if (!/^OSError: \[Errno 27\] File too large/m.test(stderr)) return [];
  return [
    withLine(
      {
        id: "file-too-large",
        message: "A file grew past the largest size one file may have here, so the write failed. Write less, or split the data over several smaller files.",
      },
      lastTracebackLine(stderr),
    ),
  ];
}

function noStdin(stderr: string): Hint[] {
  if (!/^EOFError\b/m.test(stderr)) return [];
  return [
    withLine(
      {
        id: "no-stdin",
        message:
          "`input()` reached the end of the input: code run here has no keyboard, so it reads only what you give it. " +
          "Type the lines it asks for in the **Input** box of the /run form (/run without code, or Edit and run), one per `input()`; " +
          "`npx loopy run` takes `--stdin FILE`.",
      },
      lastTracebackLine(stderr),
    ),
  ];
}

/** Libraries for the network that asyncio tutorials reach for; the sandbox's own loopback is the way to practise. */
const NETWORK_LIBRARIES: ReadonlySet<string> = new Set(["aiohttp", "httpx", "requests", "urllib3", "websockets", "websocket", "aiosmtplib", "asyncpg", "aioredis", "redis", "motor", "grpc"]);

/** What a learner can do instead of a network: asyncio streams between a server and a client of the same program. */
const LOOPBACK_INSTEAD =
  "To practise async networking, start a server and its clients in the same program: `asyncio.start_server(handle, \"127.0.0.1\", 8888)` " +
  "and `asyncio.open_connection(\"127.0.0.1\", 8888)` work here (the sandbox has its own loopback).";

/** `import aiohttp`: the sandbox has Python's standard library only, and no network to install anything. */
function thirdPartyModule(stderr: string): Hint[] {
  const match = /^ModuleNotFoundError: No module named '([\w.]+)'/m.exec(stderr);
  if (!match) return [];
  const module = match[1]!.split(".")[0]!;
  const network = NETWORK_LIBRARIES.has(module);
  const message =
    `\`${module}\` is not installed here: code runs with Python's standard library only, and nothing can be installed (there is no network). ` +
    (network ? LOOPBACK_INSTEAD : module === "aiofiles" ? "For files, `await asyncio.to_thread(path.read_text)` keeps the loop free the same way." : "");
  return [withLine({ id: "third-party-module", message: message.trimEnd(), concept: network ? "streams" : undefined }, lastTracebackLine(stderr))];
}

/** Addresses that stay inside the sandbox. */
const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** A name lookup or a connection to the outside: the sandbox has no network at all. */
function noNetwork(stderr: string): Hint[] {
  const outside = [...stderr.matchAll(/Connect call failed \('([^']+)'/g)].some(([, address]) => !LOOPBACK.test(address!));
  if (!outside && !/Name or service not known|Temporary failure in name resolution|Network is unreachable|socket\.gaierror/.test(stderr)) return [];
  return [
    withLine(
      { id: "no-network", message: `Code run here has no network: no names are looked up and nothing outside is reached. ${LOOPBACK_INSTEAD}`, concept: "streams" },
      lastTracebackLine(stderr),
    ),
  ];
}

/** Waits this long or longer count as slow I/O a learner would want to overlap. */
const SLOW_WAIT_MS = 100;
const SEQUENTIAL_WAITS = 3;
const OVERLAPPABLE: ReadonlySet<string> = new Set(["sleep", "io", "future", "thread"]);

/**
 * A gentle suggestion: one task waited several times in a row while no other task existed, so the
 * waits added up; if they are independent, gather would overlap them.
 */
function sequentialAwaits(timeline: Timeline | undefined): Hint[] {
  if (!timeline) return [];
  for (const task of timeline.tasks) {
    const run = longestSoloRun(timeline, task);
    if (run.length < SEQUENTIAL_WAITS) continue;
    const totalMs = run.reduce((sum, wait) => sum + length(wait), 0);
    const longestMs = run.reduce((most, wait) => Math.max(most, length(wait)), 0);
    return [
      {
        id: "sequential-awaits",
        message:
          `${inlineCode(`${task.coroutine}()`)} awaited ${run.length} slow things one after another (${formatDuration(totalMs)} in all) while no other task ran. ` +
          `If they don't depend on each other, \`await asyncio.gather(...)\` runs them at the same time: about ${formatDuration(longestMs)}.`,
        concept: "gather",
      },
    ];
  }
  return [];
}

/** The longest series of consecutive slow waits of `task` during which no other task was alive (linear). */
function longestSoloRun(timeline: Timeline, task: TimelineTask): Interval[] {
  const waits = task.intervals.filter((interval) => interval.kind === "waiting");
  let best = { start: 0, count: 0 };
  let start = 0;
  let count = 0;
  for (const [index, interval] of waits.entries()) {
    const kind = waitOf(timeline, interval)?.kind;
    if (kind !== undefined && OVERLAPPABLE.has(kind) && length(interval) >= SLOW_WAIT_MS && othersAlive(timeline, task, interval) === 0) {
      if (count === 0) start = index;
      count++;
      if (count > best.count) best = { start, count };
    } else {
      count = 0;
    }
  }
  return waits.slice(best.start, best.start + best.count);
}
