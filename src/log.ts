import { createWriteStream } from "node:fs";
import { pino } from "pino";

let sink: { write(line: string): unknown } = process.stdout;

/** Structured JSON logs for the operator; modules take a child with their own bindings. */
export const log = pino(
  {
    level: "info", // until the config is read: see LOG_LEVEL
    base: { app: "loopy" },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  { write: (line: string) => sink.write(line) },
);

/** The console owns the terminal, so its logs go to a file instead of between the prompts. */
export function sendLogsToFile(path: string): void {
  sink = createWriteStream(path, { flags: "a" });
}

/** One-shot command lines print their answer on stdout (`--json` is read by other tools): logs go to stderr. */
export function sendLogsToStderr(): void {
  sink = process.stderr;
}
