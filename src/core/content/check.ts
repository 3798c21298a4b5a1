import type { Content } from "./load.js";

/** What the content check needs from a Python runner: the interleaved output and the wall time. */
export interface ProgramRun {
  output: string;
  wallMs: number;
}
export type RunProgram = (code: string) => Promise<ProgramRun>;

export interface CheckFailure {
  file: string;
  item: string;
  problem: string;
}

/** Decimal numbers (timings) may differ by this much; they are printed rounded to a tenth. */
const NUMBER_TOLERANCE = 0.25;
/** A predict-duration answer must be this close to the measured wall time, in seconds. */
const DURATION_TOLERANCE = 0.3;

const DECIMAL = /-?\d+\.\d+/g;
const ADDRESS = /0x[0-9a-f]+/gi;
/** Python prints the script's absolute path in warnings and tracebacks; only "main.py" is the program's own. */
const SCRIPT_PATH = /(?:\/[^\s:"'/]+)+\/main\.py\b/g;

function canonical(text: string): string {
  return text
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trimEnd()
    .replace(ADDRESS, "0x…")
    .replace(SCRIPT_PATH, "main.py");
}

/**
 * True when `actual` is what `expected` promises, allowing for what legitimately varies between runs:
 * timings (decimals within 0.25), memory addresses, the folder of main.py, and trailing white space.
 */
export function outputsMatch(expected: string, actual: string): boolean {
  const want = canonical(expected);
  const got = canonical(actual);
  if (want.replace(DECIMAL, "#") !== got.replace(DECIMAL, "#")) return false;
  const wantNumbers = want.match(DECIMAL) ?? [];
  const gotNumbers = got.match(DECIMAL) ?? [];
  return wantNumbers.every((number, index) => Math.abs(Number(number) - Number(gotNumbers[index])) <= NUMBER_TOLERANCE);
}

export function parseDuration(choice: string): number | undefined {
  const match = /^\s*(?:about\s+)?(\d+(?:\.\d+)?)\s*s(?:econds?)?\s*$/i.exec(choice);
  return match ? Number(match[1]) : undefined;
}

function durationProblem(choices: string[], answer: number, measuredSeconds: number): string | undefined {
  const durations = choices.map(parseDuration);
  if (durations.some((duration) => duration === undefined)) return 'every choice must be a duration like "1.0 s"';
  const distance = durations.map((duration) => Math.abs(duration! - measuredSeconds));
  const correct = distance[answer]!;
  if (correct > DURATION_TOLERANCE || distance.some((other, index) => index !== answer && other <= correct)) {
    return `it ran in ${measuredSeconds.toFixed(2)} s, which does not match the answer "${choices[answer]}"`;
  }
  return undefined;
}

function firstDifference(expected: string, actual: string): string {
  return `expected output:\n${expected.trimEnd()}\n--- but Python printed:\n${actual.trimEnd()}`;
}

interface CheckJob {
  /** The ids that select this job for `--only`: the concept's, and the question's own. */
  ids: string[];
  file: string;
  item: string;
  code: string;
  judge(run: ProgramRun): string | undefined;
}

function checkJobs(content: Content): CheckJob[] {
  const jobs: CheckJob[] = [];
  for (const concept of content.concepts.values()) {
    jobs.push({
      ids: [concept.id],
      file: concept.file,
      item: `concept ${concept.id} (example)`,
      code: concept.example.code,
      judge: (run) => (outputsMatch(concept.example.output, run.output) ? undefined : firstDifference(concept.example.output, run.output)),
    });
  }
  for (const question of content.questions) {
    if (question.kind === "multiple-choice" || question.code === undefined) continue;
    const file = question.file;
    const item = `question ${question.id}`;
    const ids = [question.id, question.concept];
    if (question.kind === "predict-output") {
      const expected = question.choices[question.answer]!;
      jobs.push({
        ids,
        file,
        item,
        code: question.code,
        judge: (run) => (outputsMatch(expected, run.output) ? undefined : firstDifference(expected, run.output)),
      });
    } else {
      jobs.push({ ids, file, item, code: question.code, judge: (run) => durationProblem(question.choices, question.answer, run.wallMs / 1000) });
    }
  }
  return jobs;
}

/** The ids `--only` may name that select nothing in `content`: neither a concept's nor a question's. */
export function unknownCheckIds(content: Content, ids: string[]): string[] {
  const known = new Set([...content.concepts.keys(), ...content.questions.map((question) => question.id)]);
  return ids.filter((id) => !known.has(id));
}

/**
 * Runs every concept example and every predict question, `parallel` at a time, and returns what does not
 * match what Python really does. `only` narrows the run to the concepts (their example and questions) and
 * questions it names. `onProgress` hears about each finished item.
 */
export async function checkContent(
  content: Content,
  runProgram: RunProgram,
  options: { parallel?: number; only?: string[]; onProgress?: (done: number, total: number, item: string) => void } = {},
): Promise<CheckFailure[]> {
  const only = options.only && new Set(options.only);
  const jobs = checkJobs(content).filter((job) => !only || job.ids.some((id) => only.has(id)));
  const failures: CheckFailure[] = [];
  let next = 0;
  let done = 0;
  async function drain() {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      let problem: string | undefined;
      try {
        problem = job.judge(await runProgram(job.code));
      } catch (error) {
        problem = `could not run it: ${(error as Error).message}`;
      }
      if (problem) failures.push({ file: job.file, item: job.item, problem });
      options.onProgress?.(++done, jobs.length, job.item);
    }
  }
  await Promise.all(Array.from({ length: options.parallel ?? 2 }, drain));
  return failures;
}
