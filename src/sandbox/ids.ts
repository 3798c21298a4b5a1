import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { isProcessAlive } from "../process-alive.js";
import { SCRATCH_ROOT } from "./scratch.js";

/**
 * A distinct unprivileged uid (and the same gid) for every sandbox alive at once. Per-user kernel limits (inotify
 * instances, pipe buffer pages, message queues, pending signals, processes) are counted per host uid, so runs
 * sharing one uid could starve each other at no memory cost; with a uid of its own a run can only exhaust its own.
 *
 * The ids come from a range nobody else on the host uses (SANDBOX_IDS, default below). Worker processes on one
 * host share the range: each claims blocks of BLOCK_SIZE ids by creating a folder in CLAIMS_DIR (mkdir is atomic,
 * so two processes never get the same block), names its host and pid in it, and removes it when it stops. A claim
 * whose process is gone (same host name, pid not alive) is taken back. Worker containers on one host must share
 * CLAIMS_DIR (docker-compose.yml mounts a volume there), or be given ranges that do not overlap.
 */
export const DEFAULT_SANDBOX_IDS = { first: 900_000_000, count: 65_536 };
export const CLAIMS_DIR = join(SCRATCH_ROOT, "id-claims");
const BLOCK_SIZE = 64;

export interface IdRange {
  first: number;
  count: number;
}

function claimOwner(dir: string): { host: string; pid: number } | undefined {
  try {
    const [host = "", pid = ""] = readFileSync(join(dir, "owner"), "utf8").trim().split(" ");
    return { host, pid: Number(pid) };
  } catch {
    return undefined; // being written, or gone
  }
}

/** Hands out sandbox ids from blocks this process claimed; `release` gives one back for the next sandbox. */
export class SandboxIds {
  private readonly free: number[] = [];
  private readonly blocks: string[] = [];

  constructor(private readonly range: IdRange = DEFAULT_SANDBOX_IDS) {}

  take(): number {
    if (this.free.length === 0) this.claimBlock();
    return this.free.pop()!;
  }

  release(id: number): void {
    this.free.push(id);
  }

  /** Gives every block back (at shutdown). Ids still in use by sandboxes must not be released after this. */
  close(): void {
    for (const dir of this.blocks.splice(0)) rmSync(dir, { recursive: true, force: true });
    this.free.length = 0;
  }

  private claimBlock(): void {
    mkdirSync(CLAIMS_DIR, { recursive: true, mode: 0o700 });
    const blocks = Math.floor(this.range.count / BLOCK_SIZE);
    for (let attempt = 0; attempt < 2; attempt++) {
      for (let block = 0; block < blocks; block++) {
        const dir = join(CLAIMS_DIR, String(this.range.first + block * BLOCK_SIZE));
        try {
          mkdirSync(dir);
        } catch {
          continue; // someone else's
        }
        writeFileSync(join(dir, "owner"), `${hostname()} ${process.pid}\n`);
        this.blocks.push(dir);
        const first = this.range.first + block * BLOCK_SIZE;
        for (let id = first + BLOCK_SIZE - 1; id >= first; id--) this.free.push(id);
        return;
      }
      this.removeStaleClaims();
    }
    throw new Error(`all ${blocks} blocks of sandbox ids (${this.range.first}–${this.range.first + this.range.count - 1}) are claimed by other workers: widen SANDBOX_IDS`);
  }

  private removeStaleClaims(): void {
    for (const name of readdirSync(CLAIMS_DIR)) {
      const dir = join(CLAIMS_DIR, name);
      const owner = claimOwner(dir);
      if (owner && owner.host === hostname() && owner.pid !== process.pid && !isProcessAlive(owner.pid)) rmSync(dir, { recursive: true, force: true });
    }
  }
}
