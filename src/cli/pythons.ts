import { loadConfig } from "../config.js";
import {
  buildProblem,
  buildUserland,
  EXPECTED_COST,
  installedUserlands,
  offeredPythons,
  USERLAND_SUITES,
  type Userland,
} from "../sandbox/userlands.js";

const USAGE = "Usage: loopy pythons                       list the installed Pythons\n       loopy pythons install [--refresh] [--dir DIR]   build the userlands that are missing (--refresh: all of them again)";

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1_000_000)} MB`;
}

function releases(userland: Userland): string {
  return userland.manifest.pythons.map((python) => python.release + (python.stable ? "" : " (pre-release)")).join(", ");
}

/**
 * `loopy pythons`: lists the Pythons runs can use; `loopy pythons install` builds the userlands holding
 * them with debootstrap (see src/sandbox/userlands.ts).
 */
export async function main(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined) return list();
  if (action !== "install") {
    console.error(USAGE);
    return 2;
  }
  let refresh = false;
  let dir: string | undefined;
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    if (arg === "--refresh") refresh = true;
    else if (arg === "--dir" && rest[index + 1]) dir = rest[++index];
    else {
      console.error(`loopy pythons install: unexpected argument ${JSON.stringify(arg)}.\n${USAGE}`);
      return 2;
    }
  }
  return install(dir ?? loadConfig().LOOPY_PYTHONS_DIR, refresh);
}

function list(): number {
  const config = loadConfig();
  const userlands = installedUserlands(config.LOOPY_PYTHONS_DIR);
  if (userlands.length === 0) {
    console.log(`No Pythons are installed in ${config.LOOPY_PYTHONS_DIR}. \`npx loopy pythons install\` builds them (as root).`);
    return 1;
  }
  const offered = offeredPythons(config);
  console.log(`Pythons in ${config.LOOPY_PYTHONS_DIR}:`);
  for (const userland of userlands) {
    for (const python of userland.manifest.pythons) {
      const marks = [python.stable ? "" : "pre-release", offered.default.version === python.version ? "default" : "", offered.pythons.some((each) => each.version === python.version) ? "" : "not offered (LOOPY_PYTHONS)"].filter(Boolean);
      console.log(`  ${python.version.padEnd(5)} ${python.release.padEnd(9)} ${userland.path}${python.interpreter}${marks.length ? `  (${marks.join(", ")})` : ""}`);
    }
    console.log(`        ${userland.name}: ${megabytes(userland.manifest.bytes)} on disk, built ${userland.manifest.builtAt.slice(0, 16).replace("T", " ")} UTC in ${userland.manifest.buildSeconds} s`);
  }
  const missing = USERLAND_SUITES.filter((suite) => !userlands.some((userland) => userland.name === suite.name));
  if (missing.length > 0) console.log(`Not installed: ${missing.map((suite) => `${suite.name} (Python ${suite.versions.join(", ")})`).join("; ")}. \`npx loopy pythons install\` adds them.`);
  return 0;
}

async function install(dir: string, refresh: boolean): Promise<number> {
  const installed = installedUserlands(dir);
  const wanted = USERLAND_SUITES.filter((suite) => refresh || !installed.some((userland) => userland.name === suite.name));
  for (const userland of installed) {
    if (!wanted.some((suite) => suite.name === userland.name)) console.log(`✔ ${userland.name}: Python ${releases(userland)} already installed in ${userland.path} (--refresh rebuilds it).`);
  }
  if (wanted.length === 0) return 0;
  const problem = buildProblem();
  if (problem) {
    console.error(`✖ ${problem}`);
    return 1;
  }
  console.log(
    `Building ${wanted.length === 1 ? "a minimal userland" : `${wanted.length} minimal userlands at once`} in ${dir} with debootstrap, from Debian's package mirror:\n` +
      wanted.map((suite) => `  ${suite.name}: ${suite.about} with Python ${suite.versions.join(", ")} (${EXPECTED_COST[suite.name]})`).join("\n") +
      "\nRuns bind one of them as /usr, so learners' code sees these Pythons and nothing of this machine's /usr. An interrupted build changes nothing installed; run this again.",
  );
  const startedAt = performance.now();
  const elapsed = () => `${Math.round((performance.now() - startedAt) / 1000)} s`.padStart(5);
  const progress = {
    phase: (name: string, text: string) => console.log(`  [${elapsed()}] ${name}: ${text}`),
    line: () => {},
  };
  const outcomes = await Promise.allSettled(wanted.map((suite) => buildUserland(dir, suite, progress)));
  let failed = 0;
  for (const outcome of outcomes) {
    if (outcome.status === "fulfilled") {
      const { name, manifest } = outcome.value;
      console.log(`✔ ${name}: Python ${releases(outcome.value)}, ${megabytes(manifest.bytes)}, built in ${manifest.buildSeconds} s`);
    } else {
      failed++;
      console.error(`✖ ${(outcome.reason as Error).message}`);
    }
  }
  if (failed > 0) console.error(`${failed} userland(s) failed to build; what was installed before is unchanged. Check the network access to deb.debian.org and run this again.`);
  return failed === 0 ? 0 : 1;
}
