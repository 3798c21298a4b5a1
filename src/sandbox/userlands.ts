import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { compareVersions } from "../core/python-version.js";

/**
 * The Pythons learners' code runs on. Each userland is a minimal Debian root filesystem built with
 * debootstrap; a sandbox binds its /usr (and the /bin, /lib… links) as the system tree, so learner code
 * sees these interpreters and their standard library and nothing of the host's /usr. The seccomp filter
 * builder and the rest of the worker stay on the host.
 *
 * To offer another version, add it to a suite's `versions` (Debian's package python3.X must exist in
 * that suite), or add a suite.
 */
export const USERLAND_SUITES = [
  { name: "bookworm", suite: "bookworm", versions: ["3.11"], about: "Debian 12 (stable)" },
  { name: "sid", suite: "sid", versions: ["3.13", "3.14", "3.15"], about: "Debian unstable" },
] as const;

export type UserlandSuite = (typeof USERLAND_SUITES)[number];

/** Written into each userland's top folder (never under usr/, so runs do not see it) after a build succeeds. */
const MANIFEST = "loopy-userland.json";

const installedPythonSchema = z.object({
  /** "3.14" */
  version: z.string().regex(/^3\.\d+$/),
  /** "3.14.10", as the interpreter reports it */
  release: z.string().regex(/^3\.\d+\.\d+\S*$/),
  /** false for alphas, betas and release candidates: never the default unless asked for */
  stable: z.boolean(),
  /** the interpreter's path inside the sandbox */
  interpreter: z.string().regex(/^\/usr\/bin\/python3\.\d+$/),
});

const manifestSchema = z.object({
  suite: z.string(),
  builtAt: z.string(),
  buildSeconds: z.number(),
  bytes: z.number(),
  pythons: z.array(installedPythonSchema),
});

export type UserlandManifest = z.infer<typeof manifestSchema>;

/** One Python a run can use: its version, and the userland whose /usr holds it. */
export interface InstalledPython extends z.infer<typeof installedPythonSchema> {
  /** Host path of the userland's root folder (holding usr/, bin -> usr/bin, …). */
  userland: string;
}

export interface Userland {
  name: string;
  path: string;
  manifest: UserlandManifest;
}

/** The userlands built under `dir`; folders without a valid manifest (an interrupted build) are skipped. */
export function installedUserlands(dir: string): Userland[] {
  const found: Userland[] = [];
  for (const { name } of USERLAND_SUITES) {
    const path = join(dir, name);
    const manifest = readManifest(path);
    if (manifest) found.push({ name, path, manifest });
  }
  return found;
}

function readManifest(userland: string): UserlandManifest | undefined {
  try {
    return manifestSchema.parse(JSON.parse(readFileSync(join(userland, MANIFEST), "utf8")));
  } catch {
    return undefined;
  }
}

/** Every installed Python, oldest version first. */
export function installedPythons(dir: string): InstalledPython[] {
  return installedUserlands(dir)
    .flatMap(({ path, manifest }) => manifest.pythons.map((python) => ({ ...python, userland: path })))
    .sort((a, b) => compareVersions(a.version, b.version));
}

/** The Pythons this deployment offers, and the one a run gets when it names none. */
export interface OfferedPythons {
  /** Oldest version first. */
  pythons: InstalledPython[];
  default: InstalledPython;
}

const INSTALL_HINT = "`npx loopy pythons install` builds them (`npm run setup` runs it)";

/**
 * Checks LOOPY_PYTHONS and LOOPY_DEFAULT_PYTHON against what is installed in LOOPY_PYTHONS_DIR, at start-up:
 * a version that is not there is a ConfigError naming the variable.
 */
export function offeredPythons(config: Pick<Config, "LOOPY_PYTHONS_DIR" | "LOOPY_PYTHONS" | "LOOPY_DEFAULT_PYTHON">): OfferedPythons {
  const dir = config.LOOPY_PYTHONS_DIR;
  const installed = installedPythons(dir);
  if (installed.length === 0) throw new ConfigError(`LOOPY_PYTHONS_DIR: no Python userlands are installed in ${dir}; ${INSTALL_HINT}.`);
  const names = installed.map((python) => python.version).join(", ");
  const pick = (variable: string, version: string) => {
    const found = installed.find((python) => python.version === version);
    if (!found) throw new ConfigError(`${variable}: Python ${version} is not installed in ${dir} (installed: ${names}); ${INSTALL_HINT}.`);
    return found;
  };
  const pythons = config.LOOPY_PYTHONS ? config.LOOPY_PYTHONS.map((version) => pick("LOOPY_PYTHONS", version)).sort((a, b) => compareVersions(a.version, b.version)) : installed;
  if (config.LOOPY_DEFAULT_PYTHON) {
    const chosen = pick("LOOPY_DEFAULT_PYTHON", config.LOOPY_DEFAULT_PYTHON);
    if (!pythons.includes(chosen)) throw new ConfigError(`LOOPY_DEFAULT_PYTHON: ${chosen.version} is not among LOOPY_PYTHONS (${config.LOOPY_PYTHONS!.join(", ")}).`);
    return { pythons, default: chosen };
  }
  const stable = pythons.filter((python) => python.stable);
  return { pythons, default: (stable.length > 0 ? stable : pythons).at(-1)! };
}

let configuredDefault: InstalledPython | undefined;

/** The default of this process's configuration, for callers that name no Python (tests, benchmarks). */
export function configuredDefaultPython(): InstalledPython {
  return (configuredDefault ??= offeredPythons(loadConfig()).default);
}

/** What `npx loopy pythons install` prints before it starts, so nobody wonders what is going on. */
export const EXPECTED_COST: Record<UserlandSuite["name"], string> = {
  bookworm: "about a minute and 170 MB",
  sid: "about a minute and 250 MB",
};

export interface BuildProgress {
  /** A new phase of the build: "retrieving packages", "configuring python3.14"… */
  phase(userland: string, text: string): void;
  /** A line debootstrap printed, for the log of a failed build. */
  line(userland: string, text: string): void;
}

/** A build that failed; the message names the userland and the last lines debootstrap printed. */
export class UserlandBuildError extends Error {
  override name = "UserlandBuildError";
}

/** Why userlands cannot be built on this machine, or undefined when they can. */
export function buildProblem(): string | undefined {
  if (process.getuid?.() !== 0) return "Building a userland needs root (debootstrap creates device files and chroots). Run it as root or with sudo.";
  if (spawnSync("debootstrap", ["--version"], { env: { PATH: SYSTEM_PATH } }).status !== 0) {
    return "debootstrap is missing: install it with `apt-get install debootstrap` (`npm run setup` does).";
  }
  return undefined;
}

const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";
/** debootstrap's last lines kept for the error of a failed build. */
const KEPT_LINES = 15;

/**
 * Builds one userland into a temporary folder beside its final place and swaps it in only when it works,
 * so an interrupted or failed build leaves the installed one (if any) as it was.
 */
export async function buildUserland(dir: string, suite: UserlandSuite, progress: BuildProgress): Promise<Userland> {
  mkdirSync(dir, { recursive: true });
  removeLeftovers(dir, suite.name);
  const building = join(dir, `.building-${suite.name}-${process.pid}`);
  const startedAt = performance.now();
  try {
    await debootstrap(building, suite, progress);
    progress.phase(suite.name, "making it read-only for runs and checking each Python");
    slimDown(building);
    const pythons = suite.versions.map((version) => probePython(building, version));
    const manifest: UserlandManifest = {
      suite: suite.suite,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((performance.now() - startedAt) / 1000),
      bytes: diskBytes(building),
      pythons,
    };
    writeFileSync(join(building, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
    const path = join(dir, suite.name);
    const old = join(dir, `.old-${suite.name}-${process.pid}`);
    if (existsSync(path)) renameSync(path, old);
    renameSync(building, path);
    rmSync(old, { recursive: true, force: true });
    return { name: suite.name, path, manifest };
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
}

/** Folders of builds that were interrupted (the machine rebooted, ^C): never in use, safe to remove. */
function removeLeftovers(dir: string, name: string): void {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(`.building-${name}-`) || entry.startsWith(`.old-${name}-`)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** debootstrap's "I: Retrieving libc6 2.41-6" lines, reduced to the phase they belong to. */
const PHASES: [RegExp, string][] = [
  [/^I: Retrieving (In)?Release|^I: Retrieving Packages/, "fetching the package index"],
  [/^I: Resolving dependencies/, "resolving dependencies"],
  [/^I: Retrieving /, "downloading packages"],
  [/^I: Extracting /, "unpacking"],
  [/^I: Installing core packages/, "installing core packages"],
  [/^I: Unpacking the base system/, "unpacking the base system"],
  [/^I: Configuring the base system/, "configuring"],
  [/^I: Configuring (python3\.\d+)\.\.\./, "configuring $1"],
];

function debootstrap(target: string, suite: UserlandSuite, progress: BuildProgress): Promise<void> {
  const include = suite.versions.map((version) => `python${version}`).join(",");
  const child = spawn("debootstrap", ["--variant=minbase", `--include=${include}`, suite.suite, target], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: SYSTEM_PATH, LANG: "C.UTF-8" },
  });
  const last: string[] = [];
  let phase = "";
  let pending = "";
  const onData = (data: Buffer) => {
    pending += data.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      progress.line(suite.name, line);
      last.push(line);
      if (last.length > KEPT_LINES) last.shift();
      for (const [pattern, name] of PHASES) {
        const match = pattern.exec(line);
        if (!match) continue;
        const text = name.replace("$1", match[1] ?? "");
        if (text !== phase) progress.phase(suite.name, (phase = text));
        break;
      }
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new UserlandBuildError(`${suite.name}: could not start debootstrap: ${error.message}`)));
    child.once("close", (code) => {
      if (code === 0) resolve();
      else reject(new UserlandBuildError(`${suite.name}: debootstrap exited with status ${code}. Its last lines:\n${last.join("\n")}`));
    });
  });
}

/**
 * Drops what runs never need (the downloaded .deb files, apt's lists) and every setuid and setgid bit:
 * runs cannot gain privileges anyway (no_new_privs), and a userland without them has nothing to try.
 */
function slimDown(root: string): void {
  for (const folder of ["var/cache/apt/archives", "var/lib/apt/lists"]) {
    const path = join(root, folder);
    if (!existsSync(path)) continue;
    for (const entry of readdirSync(path)) if (entry.endsWith(".deb") || entry.endsWith("_Packages") || entry.endsWith("Release") || entry.endsWith("Release.gpg")) rmSync(join(path, entry), { force: true });
  }
  const found = spawnSync("find", [root, "-xdev", "-type", "f", "-perm", "/6000", "-exec", "chmod", "ug-s", "{}", "+"], { env: { PATH: SYSTEM_PATH } });
  if (found.status !== 0) throw new UserlandBuildError(`could not clear setuid bits in ${root}: ${found.stderr.toString().trim()}`);
}

/** The probe prints the version the way the runner reports it, and whether it is a final release. */
const PROBE = 'import sys, asyncio, json; print(json.dumps({"release": "%d.%d.%d" % sys.version_info[:3], "stable": sys.version_info.releaselevel == "final"}))';

/**
 * Runs a userland's interpreter with the tree as its root, and reads its version. chroot rather than bwrap, so
 * it also works in a Docker build stage, where user namespaces are usually refused; doctor's test run checks
 * each one under the real sandbox.
 */
function probePython(root: string, version: string): UserlandManifest["pythons"][number] {
  const interpreter = `/usr/bin/python${version}`;
  const probe = spawnSync("chroot", [root, interpreter, "-I", "-c", PROBE], { encoding: "utf8", env: { PATH: SYSTEM_PATH, LANG: "C.UTF-8" } });
  if (probe.status !== 0) throw new UserlandBuildError(`${interpreter} does not start in ${root}: ${(probe.stderr || probe.error?.message || "").trim()}`);
  const reported = z.object({ release: z.string(), stable: z.boolean() }).parse(JSON.parse(probe.stdout));
  if (!reported.release.startsWith(`${version}.`)) throw new UserlandBuildError(`${interpreter} reports version ${reported.release}`);
  return { version, release: reported.release, stable: reported.stable, interpreter };
}

function diskBytes(path: string): number {
  const du = spawnSync("du", ["-sb", "-x", path], { encoding: "utf8", env: { PATH: SYSTEM_PATH } });
  return Number(du.stdout.split("\t")[0]) || 0;
}
