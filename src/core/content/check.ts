import type { Content, Question } from "./load.js";

/** What the content check needs from a Python runner: the interleaved output, the wall time and the version that ran. */
export interface ProgramRun {
  output: string;
  wallMs: number;
  /** The interpreter's version, e.g. "3.11.2"; items whose `python:` minimum is above it are skipped. */
  python?: string;
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

/** "3.11.2" → [3, 11]. */
function versionParts(version: string): [number, number] {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return [major, minor];
}

function below(version: string | undefined, minimum: string | undefined): boolean {
  if (version === undefined || minimum === undefined) return false;
  const [major, minor] = versionParts(version);
  const [minMajor, minMinor] = versionParts(minimum);
  return major < minMajor || (major === minMajor && minor < minMinor);
}

interface CheckJob {
  file: string;
  item: string;
  code: string;
  judge(run: ProgramRun): string | undefined;
}

function checkJobs(content: Content): CheckJob[] {
  const jobs: CheckJob[] = [];
  for (const concept of content.concepts.values()) {
    jobs.push({
      file: concept.file,
      item: `concept ${concept.id} (example)`,
      code: concept.example.code,
      judge: (run) => {
        if (below(run.python, concept.python)) return undefined;
        const version = run.python === undefined ? undefined : versionParts(run.python).join(".");
        const expected = (version !== undefined && concept.example.outputs?.[version]) || concept.example.output;
        return outputsMatch(expected, run.output) ? undefined : firstDifference(expected, run.output);
      },
    });
  }
  for (const question of content.questions) {
    if (question.kind === "multiple-choice" || question.code === undefined) continue;
    const file = question.file;
    const item = `question ${question.id}`;
    if (question.kind === "predict-output") {
      const expected = question.choices[question.answer]!;
      jobs.push({
        file,
        item,
        code: question.code,
        judge: (run) => (below(run.python, question.python) || outputsMatch(expected, run.output) ? undefined : firstDifference(expected, run.output)),
      });
    } else {
      jobs.push({
        file,
        item,
        code: question.code,
        judge: (run) => (below(run.python, question.python) ? undefined : durationProblem(question.choices, question.answer, run.wallMs / 1000)),
      });
    }
  }
  return jobs;
}

/**
 * Runs every concept example and every predict question, `parallel` at a time, and returns what does not
 * match what Python really does. `onProgress` hears about each finished item.
 */
export async function checkContent(
  content: Content,
  runProgram: RunProgram,
  options: { parallel?: number; onProgress?: (done: number, total: number, item: string) => void } = {},
): Promise<CheckFailure[]> {
  const jobs = checkJobs(content);
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

/** Where the right answers sit in the bank: a quiz whose answer is usually "A", or the longest choice, can be gamed. */
export interface AnswerDistribution {
  questions: number;
  /** How many answers are the first, second, … choice. */
  byPosition: number[];
  /** Questions whose right answer is the one choice longer than all others. */
  longestRight: number;
}

/** At most this share of answers may sit in one position. */
const MAX_POSITION_SHARE = 0.4;
/** At most this share of questions may have the uniquely longest choice as their answer. */
const MAX_LONGEST_SHARE = 1 / 3;

export function answerDistribution(questions: Pick<Question, "choices" | "answer">[]): AnswerDistribution {
  const byPosition = [0, 0, 0, 0];
  let longestRight = 0;
  for (const { choices, answer } of questions) {
    byPosition[answer]! += 1;
    const longest = Math.max(...choices.map((choice) => choice.length));
    const isUniquelyLongest = choices[answer]!.length === longest && choices.filter((choice) => choice.length === longest).length === 1;
    if (isUniquelyLongest) longestRight += 1;
  }
  return { questions: questions.length, byPosition, longestRight };
}

/** What gives answers away, in plain words; empty when the bank is balanced. */
export function distributionProblems(distribution: AnswerDistribution): string[] {
  const problems: string[] = [];
  const { questions, byPosition, longestRight } = distribution;
  byPosition.forEach((count, position) => {
    if (count > questions * MAX_POSITION_SHARE) {
      problems.push(`${count} of ${questions} answers are choice ${"ABCD"[position]} (more than 40 %): move some answers to other positions`);
    }
  });
  if (longestRight > questions * MAX_LONGEST_SHARE) {
    problems.push(`the longest choice is the answer in ${longestRight} of ${questions} questions (more than a third): lengthen some wrong choices`);
  }
  return problems;
}

export function describeDistribution({ questions, byPosition, longestRight }: AnswerDistribution): string {
  const percent = (count: number) => `${questions === 0 ? 0 : Math.round((count / questions) * 100)} %`;
  const positions = byPosition.map((count, position) => `${"ABCD"[position]} ${count} (${percent(count)})`).join(", ");
  return `Answers by position: ${positions}. The uniquely longest choice is the answer in ${longestRight} of ${questions} (${percent(longestRight)}).`;
}
