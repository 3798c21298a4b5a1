import { existsSync, lstatSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The uid and gid a run sees inside its user namespace (its host ids are distinct per sandbox: ids.ts). */
export const INSIDE_UID = 1000;
export const INSIDE_GID = 1000;

/** bwrap's own two processes (the outer monitor and pid 1 inside) are counted by the cgroup too. */
export const BWRAP_TASKS = 2;

/** Fds of the sandbox command (Node's stdio array): requests in, frames out, then what bwrap itself reads. */
export const REQUEST_FD = 3;
export const FRAMES_FD = 4;
/** bwrap reads the seccomp filter (seccomp-filter.py) from this fd, then closes it. */
export const SECCOMP_FD = 5;
/**
 * bwrap reads its options from here, so its command line (readable in /proc/1/cmdline) names no host path; only
 * the command itself (paths inside the sandbox) must follow on the command line.
 */
const ARGS_FD = 6;

/**
 * Files the sandbox gets as copies (`bwrap --file FD PATH`), not as bind mounts: neither /proc/self/mountinfo
 * nor any command line shows where they live on the host. /etc has only what "localhost" and getpass need.
 */
const SANDBOX_FILES: readonly { source: URL; inside: string }[] = [
  { source: new URL("./runner.py", import.meta.url), inside: "/opt/loopy/runner.py" },
  // The timeline's task recorder; the runner loads it from its own directory.
  { source: new URL("./recorder.py", import.meta.url), inside: "/opt/loopy/recorder.py" },
  ...["hosts", "passwd", "group", "nsswitch.conf"].map((name) => ({ source: new URL(`./etc/${name}`, import.meta.url), inside: `/etc/${name}` })),
];
const FIRST_FILE_FD = ARGS_FD + 1;
export const RUNNER_INSIDE = "/opt/loopy/runner.py";

/** Read once per process: every sandbox gets the same bytes. */
let fileContents: Buffer[] | undefined;
function sandboxFileContents(): Buffer[] {
  fileContents ??= SANDBOX_FILES.map((file) => readFileSync(fileURLToPath(file.source)));
  return fileContents;
}

/**
 * Host files the run must not read, each hidden under an empty read-only /dev/null: the VM's boot arguments, the
 * kernel's build configuration, the boot id (a host identifier), and bwrap's pid 1's memory (the one process of
 * the sandbox the run did not start; the seccomp filter's ptrace ban does not cover /proc/PID/mem).
 */
const MASKED_PROC_FILES = ["/proc/cmdline", "/proc/config.gz", "/proc/sys/kernel/random/boot_id", "/proc/1/mem", "/proc/kallsyms"];

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
  /** What to write to each extra fd (index = fd), after REQUEST_FD, FRAMES_FD and SECCOMP_FD. */
  inputs: Map<number, Buffer>;
  /** The stdio array for spawn: 0 closed, then pipes up to the last fd used. */
  fdCount: number;
}

export interface SandboxCommandOptions {
  /** The interpreter's path inside the sandbox, e.g. /usr/bin/python3.14. */
  python: string;
  /** The userland whose usr/ becomes the sandbox's /usr. */
  userland: string;
  procsFiles: string[];
  /** The run's own host uid and gid (distinct for every sandbox alive). */
  uid: number;
  gid: number;
  /** The scratch file system's folders that become /tmp and /dev/shm. */
  tmpDir: string;
  shmDir: string;
}

/**
 * The command that starts one sandbox, as root:
 *   sh (joins the run's cgroup) → setpriv (becomes the run's uid) → bwrap (new namespaces) → python runner.py
 * Each step execs the next, so the cgroup and the uid apply before any learner code can exist.
 * Fds 3 (request in) and 4 (frames out) pass through to the runner. bwrap loads the seccomp filter from
 * SECCOMP_FD last, just before it execs Python, so it binds the runner and everything the code starts.
 * The root is read-only: the only writable places are the scratch folders, one size-capped file system.
 */
export function sandboxCommand(options: SandboxCommandOptions): SandboxCommand {
  // Writes its pid to each cgroup.procs file given, then execs the rest of its arguments.
  const joinCgroups = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done; exec "$@"';
  const setpriv = ["setpriv", `--reuid=${options.uid}`, `--regid=${options.gid}`, "--clear-groups", "--no-new-privs"];
  const contents = sandboxFileContents();
  const bwrapArgs = [
    "--unshare-all", // user, ipc, pid, net (only its own loopback), uts, cgroup
    "--unshare-user",
    "--disable-userns",
    "--uid", String(INSIDE_UID),
    "--gid", String(INSIDE_GID),
    "--die-with-parent",
    "--new-session", // no TIOCSTI into a terminal
    "--cap-drop", "ALL",
    "--seccomp", String(SECCOMP_FD),
    "--hostname", "loopy",
    ...systemPathArgs(options.userland),
    ...SANDBOX_FILES.flatMap((file, index) => ["--file", String(FIRST_FILE_FD + index), file.inside]),
    "--proc", "/proc",
    ...MASKED_PROC_FILES.flatMap((path) => ["--ro-bind-try", "/dev/null", path]),
    "--dev", "/dev",
    "--bind", options.tmpDir, "/tmp",
    "--bind", options.shmDir, "/dev/shm",
    "--remount-ro", "/dev",
    "--remount-ro", "/",
    "--chdir", "/tmp",
    "--clearenv",
    "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
    "--setenv", "HOME", "/tmp",
    "--setenv", "LANG", "C.UTF-8",
  ];
  const inputs = new Map<number, Buffer>([[ARGS_FD, Buffer.from(bwrapArgs.map((arg) => `${arg}\0`).join(""))]]);
  contents.forEach((content, index) => inputs.set(FIRST_FILE_FD + index, content));
  return {
    command: "/bin/sh",
    args: ["-c", joinCgroups, "sh", String(options.procsFiles.length), ...options.procsFiles, ...setpriv, "bwrap", "--args", String(ARGS_FD), "--", options.python, RUNNER_INSIDE],
    inputs,
    fdCount: FIRST_FILE_FD + contents.length,
  };
}
