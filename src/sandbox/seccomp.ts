import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Debian's interpreter, where python3-seccomp is installed; the learners' interpreter may be another. */
export const SECCOMP_PYTHON = "/usr/bin/python3";
const FILTER_SCRIPT = fileURLToPath(new URL("./seccomp-filter.py", import.meta.url));

/**
 * Builds the filter (seccomp-filter.py says what it denies) as the BPF bytes `bwrap --seccomp` reads; rejects
 * with a sentence an operator can act on, and then no sandbox may start.
 */
export function buildSeccompFilter(python = SECCOMP_PYTHON): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // -I: nothing from the environment or the current directory decides what the filter contains.
    execFile(python, ["-I", FILTER_SCRIPT], { encoding: "buffer" }, (error, stdout, stderr) => {
      // BPF instructions are 8 bytes each.
      if (!error && stdout.length > 0 && stdout.length % 8 === 0) return resolve(stdout);
      const why = stderr.toString().trim().split("\n").at(-1) || String(error ?? "no output");
      reject(new Error(`Cannot build the sandbox's seccomp filter with ${python} (${why}): install python3-seccomp (Debian package).`));
    });
  });
}

let filter: Promise<Buffer> | undefined;

/** The filter every sandbox gets, built once per process; a failure is not cached, so a fixed host recovers. */
export function seccompFilter(): Promise<Buffer> {
  filter ??= buildSeccompFilter().catch((error: unknown) => {
    filter = undefined;
    throw error;
  });
  return filter;
}
