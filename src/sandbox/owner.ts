import { randomBytes } from "node:crypto";
import { isProcessAlive } from "../process-alive.js";

/**
 * Names of what a worker process makes on the host for its sandboxes (control groups, scratch mounts):
 * loopy-sandbox-PID-TOKEN-N. The pid finds what a process that died left behind; the token, new at every start,
 * tells this process's own things from a dead one's that had the same pid (a restarted container's worker gets the
 * pid its last life had).
 */
const TOKEN = randomBytes(4).toString("hex");
const OWNED_NAME = /^loopy-sandbox-(\d+)-([0-9a-f]+)-\d+$/;

export function ownedName(serial: number): string {
  return `loopy-sandbox-${process.pid}-${TOKEN}-${serial}`;
}

/** Whether `name` is one of ours, left by a process that is gone (safe to remove): not this one's, not a live one's. */
export function isLeftOver(name: string): boolean {
  const match = OWNED_NAME.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return match[2] !== TOKEN;
  return !isProcessAlive(pid);
}

/** The prefix of this process's own names (tests look for what it left). */
export const OWN_PREFIX = `loopy-sandbox-${process.pid}-${TOKEN}-`;
