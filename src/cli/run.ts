import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { loadConfig, type Config } from "../config.js";
import { codeProblem, stdinProblem } from "../core/run/request.js";
import { log } from "../log.js";
import { createRunService } from "../queue/run-service.js";
import { limitsFromConfig } from "../queue/run-queue.js";
import { describeLimit, type RunLimits } from "../core/run/limits.js";
import { orderedOutput, type RunResult } from "../core/run/protocol.js";
import { runInSandbox, sandboxCleanups } from "../sandbox/sandbox.js";
import { offeredPythons } from "../sandbox/userlands.js";
import { startScratchRedis } from "../store/redis-server.js";
import { findHints } from "../core/run/hints.js";
import type { Program } from "../core/run/request.js";
import { outputLines } from "../core/run/timeline/timeline.js";

const USAGE = "Usage: loopy run FILE|- [--stdin FILE] [--python 3.X] [--json] [--queue]";

/** How a run ended for the command line: a result, or a sentence saying why there is none. */
type Ending = { result: RunResult; limits: RunLimits } | { problem: string };

/** A file's UTF-8 text ("-": standard input), or a sentence saying why it has none. */
function readText(path: string): { text: string } | { problem: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path === "-" ? 0 : path);
  } catch (error) {
    return { problem: `Cannot read ${path === "-" ? "standard input" : path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}.` };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { problem: `${path === "-" ? "Standard input" : path} is not UTF-8 text.` };
  }
}

/** The program to run: the code of `codePath` and the input of `stdinPath`, or a sentence saying what is wrong. */
function readProgram(codePath: string, stdinPath: string | undefined): Program | { problem: string } {
  const source = readText(codePath);
  if ("problem" in source) return source;
  const input = stdinPath === undefined ? { text: "" } : readText(stdinPath);
  if ("problem" in input) return input;
  const problem = codeProblem(source.text) ?? stdinProblem(input.text);
  return problem ? { problem } : { code: source.text, stdin: input.text };
}

/** Through Redis and a worker exactly as the bot runs code; a private Redis and worker when REDIS_URL is unset. */
async function runThroughQueue(config: Config, { code, stdin }: Program, python: string): Promise<Ending> {
  const redis = config.REDIS_URL ? undefined : await startScratchRedis();
  // Nothing else can reach a private Redis, so it needs a worker of its own.
  const runs = await createRunService(redis ? { ...config, RUN_WORKERS_IN_PROCESS: true } : config, config.REDIS_URL ?? redis!.url);
  try {
    const user = userInfo().username;
    const admission = await runs.submit({ code, stdin, user: { id: `cli:${user}`, name: user }, origin: "cli", python });
    if (!admission.accepted) return admission;
    const outcome = await admission.outcome;
    return outcome.finished ? outcome : { problem: `${outcome.problem} (job ${outcome.jobId})` };
  } finally {
    await runs.close();
    await redis?.stop();
  }
}

/**
 * Writes and waits until the stream took it all: the CLI exits right after, and a pipe's unread bytes would be
 * lost (a piped `--json` used to end at 64 KiB).
 */
function writeFully(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

interface RunArgs {
  flags: Set<string>;
  stdinPath?: string;
  version?: string;
  files: string[];
}

/** `--stdin FILE`, `--python 3.X` and the rest: the flags, the two values, and the other words. */
function readArgs(args: string[]): RunArgs | { problem: string } {
  let rest = args;
  const valueOf = (option: string): string | undefined | null => {
    const at = rest.indexOf(option);
    if (at === -1) return undefined;
    const value = rest[at + 1];
    rest = [...rest.slice(0, at), ...rest.slice(at + 2)];
    return value === undefined || (value.startsWith("--") && value !== "-") ? null : value;
  };
  const stdinPath = valueOf("--stdin");
  if (stdinPath === null) return { problem: "--stdin needs a file to read the program's input from (- for standard input)." };
  const version = valueOf("--python");
  if (version === null || (version !== undefined && !/^3\.\d+$/.test(version))) return { problem: "--python needs a version like 3.14." };
  const flags = new Set(rest.filter((arg) => arg.startsWith("--")));
  const unknown = [...flags].filter((flag) => flag !== "--json" && flag !== "--queue");
  if (unknown.length > 0) return { problem: `unknown option ${unknown[0]}.` };
  return { flags, stdinPath, version, files: rest.filter((arg) => !arg.startsWith("--")) };
}

/** `loopy run FILE|- [--stdin FILE] [--python 3.X] [--json] [--queue]`: runs Python in Loopy's sandbox and prints what it printed and how it ended. */
export async function main(args: string[]): Promise<number> {
  const parsed = readArgs(args);
  if ("problem" in parsed || parsed.files.length !== 1) {
    console.error("problem" in parsed ? `loopy run: ${parsed.problem}\n${USAGE}` : USAGE);
    return 2;
  }
  const { flags, stdinPath, version, files } = parsed;
  if (files[0] === "-" && stdinPath === "-") {
    console.error("loopy run: the code and its input cannot both come from standard input.");
    return 2;
  }
  const source = readProgram(files[0]!, stdinPath);
  if ("problem" in source) {
    console.error(`loopy run: ${source.problem}`);
    return 2;
  }
  const config = loadConfig();
  log.level = config.LOG_LEVEL ?? "warn";
  const limits = limitsFromConfig(config);
  const offered = offeredPythons(config);
  const python = version === undefined ? offered.default : offered.pythons.find((each) => each.version === version);
  if (!python) {
    console.error(`loopy run: Python ${version} is not installed or offered; choose one of ${offered.pythons.map((each) => each.version).join(", ")} (\`npx loopy pythons\` lists them).`);
    return 2;
  }
  const ending: Ending = flags.has("--queue")
    ? await runThroughQueue(config, source, python.version)
    : { result: await runInSandbox(source.code, { limits, python }, source.stdin), limits };
  await sandboxCleanups();
  if ("problem" in ending) {
    console.error(`loopy run: ${ending.problem}`);
    return 1;
  }
  const { result } = ending;
  const hints = findHints(result, source.code);
  if (flags.has("--json")) {
    const limitDescription = result.limit ? describeLimit(result.limit, ending.limits) : null;
    await writeFully(process.stdout, `${JSON.stringify({ ...result, limitDescription, lines: outputLines(orderedOutput(result)), hints })}\n`);
    return 0;
  }
  for (const piece of orderedOutput(result)) await writeFully(piece.stream === "stderr" ? process.stderr : process.stdout, piece.text);
  const summary = result.limit ? `stopped: ${describeLimit(result.limit, ending.limits)}` : result.outcome === "ok" ? "finished" : `exit code ${result.exitCode ?? result.signal}`;
  console.error(`── ${summary} · ${result.wallMs} ms wall, ${result.cpuMs} ms CPU · Python ${result.python}`);
  for (const hint of hints) console.error(`hint${hint.line === undefined ? "" : ` (line ${hint.line})`}: ${hint.message}`);
  return 0;
}
