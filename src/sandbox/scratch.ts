import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { isProcessAlive } from "../process-alive.js";

const run = promisify(execFile);

/** Where each sandbox's scratch file system is mounted on the worker's side. */
export const SCRATCH_ROOT = "/run/loopy-sandbox";
/** Files and folders a run may create: far more than a lesson needs, few enough that inodes cannot be a hog. */
const SCRATCH_INODES = 8192;

/**
 * The only writable place a run has: one size-capped tmpfs, mounted by the worker (not inside the sandbox), whose
 * `tmp/` is the run's /tmp and `shm/` its /dev/shm, so both together are the disk limit. Because the worker holds
 * the mount, it can measure what the run wrote after the run's processes are gone: nothing the program prints or
 * fakes decides whether the disk limit was hit.
 */
export interface Scratch {
  readonly tmpDir: string;
  readonly shmDir: string;
  /** Whether the run filled the file system (space or files), read from outside. */
  isFull(): boolean;
  /** Unmounts and removes it; errors are the caller's to log, never the learner's. */
  destroy(): Promise<void>;
}

/** Mounts a scratch file system of `bytes` for one sandbox, owned by the sandbox's uid and gid. */
export async function createScratch(name: string, bytes: number, uid: number, gid: number): Promise<Scratch> {
  const dir = join(SCRATCH_ROOT, name);
  // Searchable by every sandbox uid (bwrap opens the folders as the run's user), listable by none.
  mkdirSync(SCRATCH_ROOT, { recursive: true, mode: 0o711 });
  chmodSync(SCRATCH_ROOT, 0o711);
  mkdirSync(dir, { mode: 0o700 });
  try {
    // Root's own mount point (0711): the folders in it are made by root and handed to the run's uid, so the worker
    // needs CAP_CHOWN but not CAP_DAC_OVERRIDE.
    await run("mount", ["-t", "tmpfs", "-o", `size=${bytes},nr_inodes=${SCRATCH_INODES},mode=0711,nosuid,nodev`, "tmpfs", dir]);
  } catch (error) {
    rmdirSync(dir);
    throw new Error(`cannot mount the run's scratch file system at ${dir}: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
  }
  const tmpDir = join(dir, "tmp");
  const shmDir = join(dir, "shm");
  for (const sub of [tmpDir, shmDir]) {
    mkdirSync(sub, { mode: 0o700 });
    chownSync(sub, uid, gid);
  }
  let destroyed: Promise<void> | undefined;
  return {
    tmpDir,
    shmDir,
    isFull() {
      const stats = statfsSync(dir);
      return stats.bavail === 0 || stats.ffree === 0;
    },
    destroy() {
      destroyed ??= unmount(dir);
      return destroyed;
    },
  };
}

async function unmount(dir: string): Promise<void> {
  // Lazy: a process of the run that is still being reaped cannot keep the worker waiting.
  await run("umount", ["--lazy", dir]).catch((error: { stderr?: string }) => {
    if (!/not mounted/.test(error.stderr ?? "")) throw new Error(`cannot unmount ${dir}: ${(error.stderr ?? String(error)).trim()}`);
  });
  rmdirSync(dir);
}

const OWNED_NAME = /^loopy-sandbox-(\d+)-\d+$/;

/** Scratch mounts left by a worker process that died, found by the pid in their name (like its cgroups). */
export async function removeOrphanedScratch(): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(SCRATCH_ROOT);
  } catch {
    return;
  }
  const mounted = readFileSync("/proc/self/mounts", "utf8");
  for (const name of names) {
    const owner = Number(OWNED_NAME.exec(name)?.[1]);
    if (!owner || owner === process.pid || isProcessAlive(owner)) continue;
    const dir = join(SCRATCH_ROOT, name);
    await (mounted.includes(` ${dir} `) ? unmount(dir) : Promise.resolve(rmdirSync(dir))).catch(() => {}); // best effort: the next start tries again
  }
}
