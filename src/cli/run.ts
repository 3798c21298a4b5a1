import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { loadConfig, type Config } from "../config.js";
import { codeProblem } from "../core/run/request.js";
import { log } from "../log.js";
import { createRunService } from "../queue/run-service.js";
import { limitsFromConfig } from "../queue/run-queue.js";
import type { RunLimits } from "../core/run/limits.js";
import { describeLimit, type RunResult } from "../core/run/protocol.js";
import { runInSandbox } from "../sandbox/sandbox.js";
import { offeredPythons } from "../sandbox/userlands.js";
import { startScratchRedis } from "../store/redis-server.js";
import { findHints } from "../core/run/hints.js";
import { outputLines } from "../core/run/timeline/timeline.js";

const USAGE = "Usage: loopy run FILE|- [--python 3.X] [--json] [--queue]";

/** How a run ended for the command line: a result, or a sentence saying why there is none. */
type Ending = { result: RunResult; limits: RunLimits } | { problem: string };

/** The file's text, or a sentence saying why it has none that can be run. */
function readSource(path: string): { code: string } | { problem: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path === "-" ? 0 : path);
  } catch (error) {
    return { problem: `Cannot read ${path === "-" ? "standard input" : path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}.` };
  }
  let code: string;
  try {
    code = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { problem: `${path === "-" ? "Standard input" : path} is not UTF-8 text; Python source is expected.` };
  }
  const problem = codeProblem(code);
  return problem ? { problem } : { code };
}

/** Through Redis and a worker exactly as the bot runs code; a private Redis and worker when REDIS_URL is unset. */
async function runThroughQueue(config: Config, code: string, python: string): Promise<Ending> {
  const redis = config.REDIS_URL ? undefined : await startScratchRedis();
  // Nothing else can reach a private Redis, so it needs a worker of its own.
  const runs = await createRunService(redis ? { ...config, RUN_WORKERS_IN_PROCESS: true } : config, config.REDIS_URL ?? redis!.url);
  try {
    const user = userInfo().username;
    const admission = await runs.submit({ code, user: { id: `cli:${user}`, name: user }, origin: "cli", python });
    if (!admission.accepted) return admission;
    const outcome = await admission.outcome;
    return outcome.finished ? outcome : { problem: `${outcome.problem} (job ${outcome.jobId})` };
  } finally {
    await runs.close();
    await redis?.stop();
  }
}

/** `loopy run FILE|- [--python 3.X] [--json] [--queue]`: runs Python in Loopy's sandbox and prints what it printed and how it ended. */
export async function main(argv: string[]): Promise<number> {
  const pythonAt = argv.indexOf("--python");
  const version = pythonAt === -1 ? undefined : argv[pythonAt + 1];
  if (pythonAt !== -1 && !/^3\.\d+$/.test(version ?? "")) {
    console.error(`loopy run: --python needs a version like 3.14.\n${USAGE}`);
    return 2;
  }
  const args = pythonAt === -1 ? argv : argv.filter((_, index) => index !== pythonAt && index !== pythonAt + 1);
  const flags = new Set(args.filter((arg) => arg.startsWith("--")));
  const files = args.filter((arg) => !arg.startsWith("--"));
  const unknown = [...flags].filter((flag) => flag !== "--json" && flag !== "--queue");
  if (files.length !== 1 || unknown.length > 0) {
    console.error(unknown.length > 0 ? `loopy run: unknown option ${unknown[0]}.\n${USAGE}` : USAGE);
    return 2;
  }
  const source = readSource(files[0]!);
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
    ? await runThroughQueue(config, source.code, python.version)
    : { result: await runInSandbox(source.code, { limits, python }), limits };
  if ("problem" in ending) {
    console.error(`loopy run: ${ending.problem}`);
    return 1;
  }
  const { result } = ending;
  const hints = findHints(result, source.code);
  if (flags.has("--json")) {
    const limitDescription = result.limit ? describeLimit(result.limit, ending.limits) : null;
    console.log(JSON.stringify({ ...result, limitDescription, lines: outputLines(result.chunks), hints }));
    return 0;
  }
  for (const chunk of result.chunks) (chunk.stream === "stderr" ? process.stderr : process.stdout).write(chunk.text);
  const summary = result.limit ? `stopped: ${describeLimit(result.limit, ending.limits)}` : result.outcome === "ok" ? "finished" : `exit code ${result.exitCode ?? result.signal}`;
  console.error(`── ${summary} · ${result.wallMs} ms wall, ${result.cpuMs} ms CPU · Python ${result.python}`);
  for (const hint of hints) console.error(`hint${hint.line === undefined ? "" : ` (line ${hint.line})`}: ${hint.message}`);
  return 0;
}
