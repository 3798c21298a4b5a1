import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Unprivileged uid/gid ("nobody") the sandbox runs as, outside its user namespace too. */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

/** bwrap's own two processes (the outer monitor and pid 1 inside) are counted by the cgroup too. */
export const BWRAP_TASKS = 2;

const RUNNER_PATH = fileURLToPath(new URL("./runner.py", import.meta.url));
/** hosts, passwd, group and nsswitch.conf only: enough for "localhost" and getpass, nothing of the host's. */
const SANDBOX_ETC = fileURLToPath(new URL("./etc", import.meta.url));
const RUNNER_INSIDE = "/opt/loopy/runner.py";
/** The timeline's task recorder; the runner loads it from its own directory. */
const RECORDER_PATH = fileURLToPath(new URL("./recorder.py", import.meta.url));
const RECORDER_INSIDE = "/opt/loopy/recorder.py";
/** bwrap reads the seccomp filter (seccomp-filter.py) from this fd, then closes it. */
export const SECCOMP_FD = 5;

/** Merged-/usr systems have these as symlinks into /usr; older ones as directories. */
const TOP_LEVEL_SYSTEM_PATHS = ["bin", "sbin", "lib", "lib64", "lib32", "libx32"];

/** Binds a userland's usr/ (see userlands.ts), never the host's, as /usr, with its /bin, /lib… links, read-only. */
export function systemPathArgs(userland: string): string[] {
  const args = ["--ro-bind", join(userland, "usr"), "/usr"];
  for (const name of TOP_LEVEL_SYSTEM_PATHS) {
    const path = join(userland, name);
    if (!existsSync(path)) continue;
    if (lstatSync(path).isSymbolicLink()) args.push("--symlink", readlinkSync(path), `/${name}`);
    else args.push("--ro-bind", path, `/${name}`);
  }
  return args;
}

export interface SandboxCommand {
  command: string;
  args: string[];
}

/**
 * The command that starts one sandbox, as root:
 *   sh (joins the run's cgroup) → setpriv (becomes nobody) → bwrap (new namespaces) → python runner.py
 * Each step execs the next, so the cgroup and the uid apply before any learner code can exist.
 * Fds 3 (request in) and 4 (frames out) pass through to the runner. bwrap loads the seccomp filter from
 * SECCOMP_FD last, just before it execs Python, so it binds the runner and everything the code starts.
 */
export function sandboxCommand(options: { python: string; userland: string; procsFiles: string[]; tmpBytes: number }): SandboxCommand {
  // Writes its pid to each cgroup.procs file given, then execs the rest of its arguments.
  const joinCgroups = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done; exec "$@"';
  const setpriv = ["setpriv", `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_GID}`, "--clear-groups", "--no-new-privs"];
  const bwrap = [
    "bwrap",
    "--unshare-all", // user, ipc, pid, net (only its own loopback), uts, cgroup
    "--unshare-user",
    "--disable-userns",
    "--die-with-parent",
    "--new-session", // no TIOCSTI into a terminal
    "--cap-drop", "ALL",
    "--seccomp", String(SECCOMP_FD),
    "--hostname", "loopy",
    ...systemPathArgs(options.userland),
    "--ro-bind", SANDBOX_ETC, "/etc",
    "--ro-bind", RUNNER_PATH, RUNNER_INSIDE,
    "--ro-bind", RECORDER_PATH, RECORDER_INSIDE,
    "--proc", "/proc",
    "--dev", "/dev",
    "--size", String(options.tmpBytes),
    "--tmpfs", "/tmp",
    "--chdir", "/tmp",
    "--clearenv",
    "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
    "--setenv", "HOME", "/tmp",
    "--setenv", "LANG", "C.UTF-8",
    "--",
    options.python, RUNNER_INSIDE,
  ];
  return {
    command: "/bin/sh",
    args: ["-c", joinCgroups, "sh", String(options.procsFiles.length), ...options.procsFiles, ...setpriv, ...bwrap],
  };
}
