import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { log } from "../log.js";
import { isLeftOver, ownedName } from "./owner.js";

const CGROUP_ROOT = "/sys/fs/cgroup";

/**
 * One control group per sandbox, so memory, processes and CPU are limited and counted for the run as a
 * whole, and every process of the run can be found and killed. cgroup v2 (production containers) and
 * v1 (hosts with the hybrid layout) behind one interface.
 */
export interface RunCgroup {
  /** Unique on the host, with the owning process's pid for clean-up after a crash (owner.ts). */
  readonly name: string;
  /** cgroup.procs files a process writes its own pid to, to join the group before anything else runs. */
  readonly procsFiles: string[];
  setLimits(memoryBytes: number, maxTasks: number): void;
  /** CPU time of all tasks that ever ran in the group. */
  cpuUsageMs(): number;
  /** Whether the kernel killed a task for memory / refused a fork or thread, since the group was made. */
  limitEvents(): { memory: boolean; processes: boolean };
  /** Kills every task in the group and waits until none is left. */
  killAll(): Promise<void>;
  /** Kills everything, then removes the group. */
  destroy(): Promise<void>;
}

/** Reads a "key value" line from files like memory.events, pids.events or cpu.stat. */
function readKey(file: string, key: string): number {
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((candidate) => candidate.startsWith(`${key} `));
  return line ? Number(line.slice(key.length + 1)) : 0;
}

function readPids(procsFile: string): number[] {
  try {
    return readFileSync(procsFile, "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // the group is already gone
  }
}

function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
}

/** SIGKILLs until the group is empty; the pids limit bounds how many a fork bomb can add between rounds. */
async function killUntilEmpty(procsFile: string, killHelper?: string): Promise<void> {
  for (let round = 0; ; round++) {
    const pids = readPids(procsFile);
    if (pids.length === 0) return;
    if (round === 200) throw new Error(`sandbox cgroup ${procsFile} still has processes: ${pids.join(" ")}`);
    if (killHelper) writeFileSync(killHelper, "1");
    else killPids(pids);
    await sleep(round < 10 ? 1 : 10);
  }
}

/**
 * Removes an emptied group's directory. A group that cannot be removed (e.g. ENOTEMPTY, EBUSY for good) holds
 * no process any more, so the run's answer stands: it is logged, and the next worker start retries it.
 */
async function removeDir(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      // EBUSY: killed tasks can take a moment to leave the group.
      if (code !== "EBUSY" || attempt === 100) {
        log.warn({ module: "sandbox", cgroup: dir, code, err: error }, "could not remove a run's control group (left for the next start)");
        return;
      }
      await sleep(10);
    }
  }
}

function isV2(): boolean {
  if (!existsSync(join(CGROUP_ROOT, "cgroup.subtree_control"))) return false;
  const delegated = readFileSync(join(CGROUP_ROOT, "cgroup.subtree_control"), "utf8").split(/\s+/);
  // cpu.stat (CPU time) exists in every v2 group, delegated or not.
  return delegated.includes("memory") && delegated.includes("pids");
}

function v2Group(name: string): RunCgroup {
  const dir = join(CGROUP_ROOT, name);
  const file = (leaf: string) => join(dir, leaf);
  return {
    name,
    procsFiles: [file("cgroup.procs")],
    setLimits(memoryBytes, maxTasks) {
      writeFileSync(file("memory.max"), String(memoryBytes));
      if (existsSync(file("memory.swap.max"))) writeFileSync(file("memory.swap.max"), "0");
      writeFileSync(file("pids.max"), String(maxTasks));
    },
    cpuUsageMs: () => readKey(file("cpu.stat"), "usage_usec") / 1000,
    limitEvents: () => ({
      memory: readKey(file("memory.events"), "oom_kill") > 0,
      processes: readKey(file("pids.events"), "max") > 0,
    }),
    killAll: () => killUntilEmpty(file("cgroup.procs"), existsSync(file("cgroup.kill")) ? file("cgroup.kill") : undefined),
    async destroy() {
      await this.killAll();
      await removeDir(dir);
    },
  };
}

/** On cgroup v1, TCP buffers may take at most 1/TCP_SHARE of the run's memory limit (see v1Group). */
const TCP_SHARE = 4;

/** cgroup v1 mounts each controller separately; the group is one directory in each. */
function v1Dirs(name: string) {
  return { memory: join(CGROUP_ROOT, "memory", name), pids: join(CGROUP_ROOT, "pids", name), cpu: join(CGROUP_ROOT, "cpuacct", name) };
}

function v1Group(name: string): RunCgroup {
  const dirs = v1Dirs(name);
  const memory = (leaf: string) => join(dirs.memory, leaf);
  const writeMemoryLimit = (memoryBytes: number) => {
    // With swap accounting, memory+swap must stay >= memory: lower memory first, raise memory+swap first.
    const swapFile = memory("memory.memsw.limit_in_bytes");
    const order = [memory("memory.limit_in_bytes"), ...(existsSync(swapFile) ? [swapFile] : [])];
    const current = Number(readFileSync(order[0]!, "utf8"));
    for (const limitFile of memoryBytes < current ? order : order.reverse()) writeFileSync(limitFile, String(memoryBytes));
  };
  // v1 charges TCP socket buffers only once a TCP limit is set, and then apart from memory.usage_in_bytes: a run
  // could hold hundreds of MiB of unread loopback data under a 100 MiB limit. The TCP limit caps that share (the
  // kernel lets usage pass it a little before it refuses to grow buffers), and a run whose TCP buffers reach the
  // cap, or whose memory and TCP buffers together pass its limit, is over its memory limit like any other hog.
  const tcpLimitFile = memory("memory.kmem.tcp.limit_in_bytes");
  const chargesTcp = existsSync(tcpLimitFile);
  let limitBytes = 0;
  const readNumber = (leaf: string) => Number(readFileSync(memory(leaf), "utf8"));
  return {
    name,
    procsFiles: Object.values(dirs).map((dir) => join(dir, "cgroup.procs")),
    setLimits(memoryBytes, maxTasks) {
      limitBytes = memoryBytes;
      writeMemoryLimit(memoryBytes);
      if (chargesTcp) writeFileSync(tcpLimitFile, String(Math.floor(memoryBytes / TCP_SHARE)));
      writeFileSync(join(dirs.pids, "pids.max"), String(maxTasks));
    },
    cpuUsageMs: () => Number(readFileSync(join(dirs.cpu, "cpuacct.usage"), "utf8")) / 1e6,
    limitEvents: () => ({
      memory:
        readKey(memory("memory.oom_control"), "oom_kill") > 0 ||
        (chargesTcp &&
          (readNumber("memory.kmem.tcp.failcnt") > 0 ||
            readNumber("memory.kmem.tcp.max_usage_in_bytes") >= limitBytes / TCP_SHARE ||
            readNumber("memory.usage_in_bytes") + readNumber("memory.kmem.tcp.usage_in_bytes") > limitBytes)),
      processes: readKey(join(dirs.pids, "pids.events"), "max") > 0,
    }),
    killAll: () => killUntilEmpty(join(dirs.pids, "cgroup.procs")),
    async destroy() {
      await this.killAll();
      for (const dir of Object.values(dirs)) await removeDir(dir);
    },
  };
}

function createGroup(name: string): RunCgroup {
  if (isV2()) {
    mkdirSync(join(CGROUP_ROOT, name));
    return v2Group(name);
  }
  const created: string[] = [];
  try {
    for (const dir of Object.values(v1Dirs(name))) {
      // A plain directory there (e.g. a container's tmpfs) would take the run's cgroup.procs as a file.
      if (!existsSync(join(dir, "..", "cgroup.procs"))) throw Object.assign(new Error(`${dir}/.. is not a cgroup hierarchy`), { code: "ENOTCGROUP" });
      mkdirSync(dir);
      created.push(dir);
    }
  } catch (error) {
    for (const dir of created) rmdirSync(dir);
    throw error;
  }
  return v1Group(name);
}

let groupsCreated = 0;

/**
 * Groups left by a bot process that died (its sandboxes died with it: --die-with-parent), found by the
 * pid in their name. Groups of other live processes, e.g. a second worker on the same host, are kept.
 */
function removeOrphanedGroups(): void {
  const base = isV2() ? CGROUP_ROOT : join(CGROUP_ROOT, "pids");
  for (const name of readdirSync(base)) {
    if (!isLeftOver(name)) continue;
    (isV2() ? v2Group(name) : v1Group(name)).destroy().catch(() => {}); // best effort: the next start tries again
  }
}

/** Creates an empty control group for one sandbox (needs root, or a delegated cgroup v2 subtree). */
export function createRunCgroup(): RunCgroup {
  if (groupsCreated === 0) removeOrphanedGroups();
  return createGroup(ownedName(++groupsCreated));
}
