import type { ConceptTitles } from "./reply.js";
import type { RunLimits } from "./limits.js";
import type { RunResult } from "./protocol.js";
import type { Person } from "../person.js";
import type { Reply } from "../reply.js";

/** A request to run a learner's code; `origin` says which way in it came (for logs and metrics). */
export interface RunRequest {
  code: string;
  /** What the program reads on standard input (`input()`, `sys.stdin`); none when left out. */
  stdin?: string;
  user: Person;
  origin: "command" | "form" | "message" | "example" | "question" | "again" | "console" | "cli";
  /** Overrides of the worker's configured limits (tests, benchmarks); learners never set these. */
  limits?: Partial<RunLimits>;
  /** The Python version to run on, one of RunService.pythons; unset: the default. */
  python?: string;
}

/** The Python versions a deployment offers (oldest first) and the one a run gets when it names none. */
export interface PythonChoice {
  versions: string[];
  default: string;
}

/** Why `version` cannot be chosen, as a sentence for the user; undefined when it can. */
export function pythonProblem(version: string, pythons: PythonChoice): string | undefined {
  if (pythons.versions.includes(version)) return undefined;
  return `Python ${version} is not offered here. Choose one of ${pythons.versions.join(", ")} (the default is ${pythons.default}).`;
}

/** What a run runs: the code and the text on its standard input ("" for none). */
export interface Program {
  code: string;
  stdin: string;
}

/** How a queued run ended: the sandbox's result, or a sentence saying why there is none. */
export type RunOutcome =
  | { finished: true; jobId: string; result: RunResult; limits: RunLimits }
  | { finished: false; jobId: string; problem: string };

/** Whether a run was queued; a refusal is a sentence for the user, and nothing was queued. */
export type Admission =
  | { accepted: false; problem: string }
  | { accepted: true; jobId: string; outcome: Promise<RunOutcome> };

/** Runs code through the queue and a worker. */
export interface RunService {
  /** The Pythons runs can choose from. */
  readonly pythons: PythonChoice;
  /**
   * Checks the code, the user's allowance (one run at a time, RUNS_PER_MINUTE) and the queue's room,
   * then queues the run. Quick (a few Redis calls), so a handler may call it before deferring.
   * `outcome` never rejects: every way a run can go wrong ends in a sentence.
   */
  submit(request: RunRequest): Promise<Admission>;
  /**
   * The answer to show for an outcome: the program, its output, timing, and "Run again" / "Edit and run" buttons;
   * `titles` labels the buttons that explain the hints' concepts.
   */
  reply(program: Program, outcome: RunOutcome, titles?: ConceptTitles): Promise<Reply>;
  /** The program behind a "Run again" / "Edit and run" button, or undefined once it has expired. */
  savedProgram(id: string): Promise<Program | undefined>;
  /** Stops in-process workers and closes the queue's connections. */
  close(): Promise<void>;
}

/** Longest program accepted; Discord's own inputs stop earlier (a form holds 4,000), the CLI can reach it. */
export const MAX_CODE_CHARS = 20_000;

/**
 * Longest standard input accepted. The sandbox's runner writes it whole into a pipe before the program
 * starts, so even at four UTF-8 bytes a character it must fit the pipe's 64 KiB; a form holds 4,000.
 */
export const MAX_STDIN_CHARS = 16_000;

/** Control characters that never appear in hand-written source but do in binary files. */
const BINARY_CHARACTERS = /[\u0000-\u0008\u000e-\u001a\u001c-\u001f]/;

/** Why `code` cannot be run, as a sentence for the user; undefined when it can. */
export function codeProblem(code: string): string | undefined {
  if (BINARY_CHARACTERS.test(code)) {
    return "That looks like binary data (it contains control characters such as NUL bytes), not Python source code.";
  }
  if (code.trim() === "") return "There is no code to run. Write some Python, for example `print(\"hi\")`.";
  if (code.length > MAX_CODE_CHARS) {
    return `Your code is ${code.length.toLocaleString("en")} characters long; the limit is ${MAX_CODE_CHARS.toLocaleString("en")}.`;
  }
  return undefined;
}

/** Why `stdin` cannot be a program's input, as a sentence for the user; undefined when it can. */
export function stdinProblem(stdin: string): string | undefined {
  if (BINARY_CHARACTERS.test(stdin)) return "The input looks like binary data (it contains control characters such as NUL bytes); it must be text.";
  if (stdin.length > MAX_STDIN_CHARS) {
    return `Your input is ${stdin.length.toLocaleString("en")} characters long; the limit is ${MAX_STDIN_CHARS.toLocaleString("en")}.`;
  }
  return undefined;
}

/**
 * The Python of a message for "Run code": its ```py / ```python blocks joined in order; failing those,
 * any fenced blocks; failing those, the whole text.
 */
export function pythonInMessage(text: string): string {
  const blocks = [...text.matchAll(/```([\w+-]*)[^\S\n]*\n([\s\S]*?)```/g)].map(([, language = "", body = ""]) => ({ language: language.toLowerCase(), body }));
  const python = blocks.filter((block) => ["py", "python", "python3"].includes(block.language));
  const chosen = python.length > 0 ? python : blocks;
  return chosen.length > 0 ? chosen.map((block) => block.body.replace(/\n$/, "")).join("\n\n") : text;
}

/**
 * What a learner pastes into /run: code copied from a Discord message keeps its ``` fences (on one line too,
 * as the `code` box joins lines: ```py print(1)```), and a one-liner may come in `backticks`; all are
 * unwrapped. Anything else is run as it is.
 */
export function pastedPython(text: string): string {
  const inline = /^`([^`\n]+)`$/.exec(text.trim());
  if (inline) return inline[1]!;
  // A language word is dropped only where it cannot be code (`py = 1` stays).
  const oneLineFence = /^```(?:(?:py|python3?)[^\S\n]+(?![=.([:,+\-*/%<>!]))?([^\n]*?)```$/i.exec(text.trim());
  if (oneLineFence) return oneLineFence[1]!.trim();
  return text.includes("```") ? pythonInMessage(text) : text;
}
