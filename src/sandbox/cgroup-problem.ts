import { existsSync, readFileSync } from "node:fs";

const CGROUP_ROOT = "/sys/fs/cgroup";
const V1_HIERARCHIES = ["memory", "pids", "cpuacct"];
const IN_CONTAINER = "in a container, use docker-compose.yml's worker service, whose entrypoint mounts them";

/**
 * Why a run's control group could not be created (the error createRunCgroup threw), as one sentence naming
 * what this machine is missing: for the worker's start-up log, /readyz and `npx loopy doctor`.
 */
export function cgroupProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  const cause = `Cannot create a control group for a run (${code})`;
  if (process.getuid?.() !== 0) return `${cause}: the worker must run as root (it drops to an unprivileged uid of its own for each run).`;
  const ownPaths = readFileSync("/proc/self/cgroup", "utf8").split("\n").filter(Boolean);
  if (existsSync("/.dockerenv") && ownPaths.some((line) => !line.endsWith(":/"))) {
    return `${cause}: this container shares the host's cgroup namespace; give the worker its own (compose: \`cgroup: private\`; docker run --cgroupns=private).`;
  }
  if (code === "EROFS") return `${cause}: /sys/fs/cgroup is read-only; ${IN_CONTAINER} read-write (it needs CAP_SYS_ADMIN).`;
  if (existsSync(`${CGROUP_ROOT}/cgroup.controllers`)) {
    return `${cause}: cgroup v2 without the memory and pids controllers in ${CGROUP_ROOT}/cgroup.subtree_control; delegate them to the worker (${IN_CONTAINER}).`;
  }
  const unmounted = V1_HIERARCHIES.filter((hierarchy) => !existsSync(`${CGROUP_ROOT}/${hierarchy}/cgroup.procs`));
  if (unmounted.length > 0) {
    return `${cause}: cgroup v1 needs the ${unmounted.join(", ")} hierarchies mounted at ${CGROUP_ROOT}/${unmounted[0]} and beside it (${IN_CONTAINER}).`;
  }
  return `${cause}: ${error instanceof Error ? error.message : String(error)}.`;
}
