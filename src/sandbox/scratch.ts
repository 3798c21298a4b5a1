import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { isLeftOver, ownedName } from "./owner.js";

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
  /** Empties it for the next sandbox (or unmounts it); errors are the caller's to log, never the learner's. */
  release(): Promise<void>;
}

/** Emptied scratch file systems kept mounted for the next sandboxes, by size: mount(8) per run would cost the run. */
const idle = new Map<number, string[]>();
/** Kept per size; more are unmounted. */
const IDLE_PER_SIZE = 4;
let mounted = 0;

async function mountScratch(bytes: number): Promise<string> {
  // Searchable by every sandbox uid (bwrap opens the folders as the run's user), listable by none.
  mkdirSync(SCRATCH_ROOT, { recursive: true, mode: 0o711 });
  chmodSync(SCRATCH_ROOT, 0o711);
  const dir = join(SCRATCH_ROOT, ownedName(++mounted));
  mkdirSync(dir, { mode: 0o700 });
  try {
    // Root's own mount point (0711): the folders in it are made by root and handed to the run's uid, so the worker
    // needs CAP_CHOWN but not CAP_DAC_OVERRIDE.
    await run("mount", ["-t", "tmpfs", "-o", `size=${bytes},nr_inodes=${SCRATCH_INODES},mode=0711,nosuid,nodev`, "tmpfs", dir]);
  } catch (error) {
    rmdirSync(dir);
    throw new Error(`cannot mount the run's scratch file system at ${dir}: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
  }
  return dir;
}

/**
 * A scratch file system of `bytes` for one sandbox, its folders owned by the sandbox's uid and gid: an emptied one
 * kept from an earlier sandbox when there is one (it holds nothing of that run: its folders were removed, and
 * every process that could have kept a file open is dead), else a new mount.
 */
export async function createScratch(bytes: number, uid: number, gid: number): Promise<Scratch> {
  const dir = idle.get(bytes)?.pop() ?? (await mountScratch(bytes));
  const tmpDir = join(dir, "tmp");
  const shmDir = join(dir, "shm");
  for (const sub of [tmpDir, shmDir]) {
    mkdirSync(sub, { mode: 0o700 });
    chownSync(sub, uid, gid);
  }
  let released: Promise<void> | undefined;
  return {
    tmpDir,
    shmDir,
    isFull() {
      const stats = statfsSync(dir);
      return stats.bavail === 0 || stats.ffree === 0;
    },
    release() {
      released ??= (async () => {
        // In the thread pool: a run may leave 8,192 files, and the worker's event loop must not wait for them.
        await Promise.all([rm(tmpDir, { recursive: true, force: true }), rm(shmDir, { recursive: true, force: true })]);
        const kept = idle.get(bytes) ?? [];
        if (kept.length < IDLE_PER_SIZE) {
          kept.push(dir);
          idle.set(bytes, kept);
        } else {
          await unmount(dir);
        }
      })();
      return released;
    },
  };
}

/** Unmounts the idle scratch file systems (when a pool closes; the next sandbox mounts afresh). */
export async function unmountIdleScratch(): Promise<void> {
  const dirs = [...idle.values()].flat();
  idle.clear();
  await Promise.all(dirs.map(unmount));
}

async function unmount(dir: string): Promise<void> {
  // Lazy: a process of the run that is still being reaped cannot keep the worker waiting.
  await run("umount", ["--lazy", dir]).catch((error: { stderr?: string }) => {
    if (!/not mounted/.test(error.stderr ?? "")) throw new Error(`cannot unmount ${dir}: ${(error.stderr ?? String(error)).trim()}`);
  });
  rmdirSync(dir);
}

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
    if (!isLeftOver(name)) continue;
    const dir = join(SCRATCH_ROOT, name);
    try {
      if (mounted.includes(` ${dir} `)) await unmount(dir);
      else rmdirSync(dir);
    } catch {
      // Best effort: the next start tries again. A leftover must never keep this worker's sandboxes from starting.
    }
  }
}
