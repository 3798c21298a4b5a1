import type { Content, Question } from "./load.js";
import type { Concept } from "./schema.js";
import { compareVersions } from "../python-version.js";

/** What the content check needs from a Python runner: the interleaved output and the wall time. */
export interface ProgramRun {
  output: string;
  wallMs: number;
}
/** Runs code on one Python version ("3.14"). */
export type RunProgram = (code: string, version: string) => Promise<ProgramRun>;

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

interface CheckItem {
  /** The ids that select this item for `--only`: the concept's, and the question's own. */
  ids: string[];
  file: string;
  item: string;
  code: string;
  /** The oldest version the item holds on; undefined: all of them. */
  python: string | undefined;
  judge(run: ProgramRun, version: string): string | undefined;
}

function judgeExample(example: Concept["example"], run: ProgramRun, version: string): string | undefined {
  const override = example.outputs?.[version];
  const expected = override ?? example.output;
  if (outputsMatch(expected, run.output)) return undefined;
  if (override !== undefined && outputsMatch(example.output, run.output)) {
    return `it prints \`output\` (what the newest Python prints), not \`outputs."${version}"\`: remove that override`;
  }
  const hint = override === undefined ? `\n(If Python ${version} rightly prints this, add it as \`outputs: {"${version}": …}\`, or raise \`python:\`.)` : "";
  return firstDifference(expected, run.output) + hint;
}

function checkItems(content: Content): CheckItem[] {
  const items: CheckItem[] = [];
  for (const concept of content.concepts.values()) {
    items.push({
      ids: [concept.id],
      file: concept.file,
      item: `concept ${concept.id} (example)`,
      code: concept.example.code,
      python: concept.python,
      judge: (run, version) => judgeExample(concept.example, run, version),
    });
  }
  for (const question of content.questions) {
    if (question.kind === "multiple-choice" || question.code === undefined) continue;
    const file = question.file;
    const item = `question ${question.id}`;
    // A question's marked answer holds on every version it runs on: it has no per-version answers.
    const python = question.python;
    const ids = [question.id, question.concept];
    if (question.kind === "predict-output") {
      const expected = question.choices[question.answer]!;
      const judge = (run: ProgramRun) => (outputsMatch(expected, run.output) ? undefined : firstDifference(expected, run.output));
      items.push({ ids, file, item, code: question.code, python, judge });
    } else {
      items.push({ ids, file, item, code: question.code, python, judge: (run) => durationProblem(question.choices, question.answer, run.wallMs / 1000) });
    }
  }
  return items;
}

/** The ids `--only` may name that select nothing in `content`: neither a concept's nor a question's. */
export function unknownCheckIds(content: Content, ids: string[]): string[] {
  const known = new Set([...content.concepts.keys(), ...content.questions.map((question) => question.id)]);
  return ids.filter((id) => !known.has(id));
}

/**
 * Runs every concept example and every predict question on each of `versions` it claims to hold on (its
 * `python:` and newer), `parallel` at a time, and returns what does not match what that Python really does.
 * `only` narrows the run to the concepts (their example and questions) and questions it names. `onProgress`
 * hears about each finished run.
 */
export async function checkContent(
  content: Content,
  runProgram: RunProgram,
  options: { versions: string[]; parallel?: number; only?: string[]; onProgress?: (done: number, total: number, item: string) => void },
): Promise<CheckFailure[]> {
  const only = options.only && new Set(options.only);
  const jobs = checkItems(content)
    .filter((item) => !only || item.ids.some((id) => only.has(id)))
    .flatMap((item) =>
      options.versions.filter((version) => item.python === undefined || compareVersions(version, item.python) >= 0).map((version) => ({ ...item, version })),
    );
  const failures: CheckFailure[] = [];
  let next = 0;
  let done = 0;
  async function drain() {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      let problem: string | undefined;
      try {
        problem = job.judge(await runProgram(job.code, job.version), job.version);
      } catch (error) {
        problem = `could not run it: ${(error as Error).message}`;
      }
      if (problem) failures.push({ file: job.file, item: `${job.item} on Python ${job.version}`, problem });
      options.onProgress?.(++done, jobs.length, job.item);
    }
  }
  await Promise.all(Array.from({ length: options.parallel ?? 2 }, drain));
  // In content order, each item's versions together, whatever order the runs finished in.
  const order = new Map(jobs.map((job, index) => [`${job.item} on Python ${job.version}`, index]));
  return failures.sort((a, b) => order.get(a.item)! - order.get(b.item)!);
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
