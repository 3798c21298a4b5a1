import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { Redis } from "ioredis";
import { loadConfig, type Config } from "../config.js";
import { loadContent } from "../core/content/load.js";
import { findRedisServer } from "../store/redis-server.js";

interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

type Check = (config: Config) => Promise<Finding> | Finding;

const nodeVersion: Check = () => {
  const major = Number(process.versions.node.split(".")[0]);
  return { check: "Node.js", ok: major >= 20, detail: `v${process.versions.node}`, fix: "Install Node.js 20 or newer." };
};

const redis: Check = async (config) => {
  if (!config.REDIS_URL) {
    const found = findRedisServer() !== undefined;
    return {
      check: "Redis",
      ok: found,
      detail: found ? "REDIS_URL is unset: a private redis-server will be started" : "REDIS_URL is unset and no redis-server was found",
      fix: "Run `npm run setup` (installs redis-server) or set REDIS_URL.",
    };
  }
  const client = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  client.on("error", () => {});
  try {
    await client.connect();
    const info = await client.info("server");
    return { check: "Redis", ok: true, detail: `${config.REDIS_URL} answers (redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? "?"})` };
  } catch (error) {
    return { check: "Redis", ok: false, detail: `${config.REDIS_URL}: ${(error as Error).message}`, fix: "Start Redis or correct REDIS_URL." };
  } finally {
    client.disconnect();
  }
};

const python: Check = (config) => {
  const fix = "Set LOOPY_PYTHON to a real interpreter under /usr, e.g. /usr/bin/python3 (Debian: apt-get install python3).";
  if (!existsSync(config.LOOPY_PYTHON)) return { check: "Python", ok: false, detail: `${config.LOOPY_PYTHON} does not exist`, fix };
  const real = realpathSync(config.LOOPY_PYTHON);
  const isBinary = readFileSync(real).subarray(0, 4).toString("latin1") === "\x7fELF";
  if (!isBinary) return { check: "Python", ok: false, detail: `${config.LOOPY_PYTHON} is a script (a version-manager shim?), not the interpreter`, fix };
  const version = spawnSync(real, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8" });
  const ok = version.status === 0 && /^3\.(1[1-9])/.test(version.stdout);
  return { check: "Python", ok, detail: ok ? `${real} ${version.stdout.trim()}` : `${real} answers ${version.stdout.trim() || version.stderr.trim()}`, fix: "Loopy needs Python 3.11 or newer." };
};

const sandbox: Check = async (config) => {
  const { checkSandbox } = await import("../sandbox/doctor.js");
  const { ok, problems } = await checkSandbox({ python: config.LOOPY_PYTHON });
  return {
    check: "Sandbox",
    ok,
    detail: ok ? "bubblewrap, cgroups, the seccomp filter and a test run of Python work" : problems.join(" "),
    fix: problems.some((problem) => /root|control group/.test(problem))
      ? "Run Loopy's workers (or `npm start`, which runs one) as root, or give them a delegated cgroup v2 subtree."
      : "Run `npm run setup`: it installs bubblewrap, python3-seccomp and python3 when they are missing.",
  };
};

const content: Check = (config) => {
  try {
    const loaded = loadContent(config.LOOPY_CONTENT_DIR);
    return { check: "Content", ok: true, detail: `${loaded.concepts.size} concepts, ${loaded.questions.length} questions` };
  } catch (error) {
    return { check: "Content", ok: false, detail: (error as Error).message, fix: "Fix the file named above (see content/README.md)." };
  }
};

const discord: Check = async (config) => {
  if (!config.DISCORD_TOKEN) return { check: "Discord", ok: true, detail: "no DISCORD_TOKEN: npm start opens the local console" };
  const api = config.DISCORD_API_URL ?? "https://discord.com/api";
  try {
    const headers = { Authorization: `Bot ${config.DISCORD_TOKEN}` };
    const me = await fetch(`${api}/v10/applications/@me`, { headers, signal: AbortSignal.timeout(5000) });
    if (me.status === 401) return { check: "Discord", ok: false, detail: "Discord refused the token", fix: "Reset the bot token in the Developer Portal and update DISCORD_TOKEN." };
    const application = (await me.json()) as { id: string; name: string };
    const commands = await fetch(`${api}/v10/applications/${application.id}/commands`, { headers, signal: AbortSignal.timeout(5000) });
    const registered = ((await commands.json()) as { name: string }[]).map((command) => command.name);
    return {
      check: "Discord",
      ok: registered.length > 0,
      detail: `logged in as application ${application.name}; global commands: ${registered.join(", ") || "none"}`,
      fix: "Run `npm run deploy-commands` (or with --guild ID to try in one server at once).",
    };
  } catch (error) {
    return { check: "Discord", ok: false, detail: `could not reach ${api}: ${(error as Error).message}`, fix: "Check the machine's network access to discord.com." };
  }
};

/** `loopy doctor`: checks this machine for everything Loopy needs and says how to fix what is missing. */
export async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    console.log(`✖ Configuration: ${(error as Error).message}`);
    return 1;
  }
  let failed = 0;
  for (const check of [nodeVersion, content, redis, python, sandbox, discord]) {
    const finding = await check(config);
    console.log(`${finding.ok ? "✔" : "✖"} ${finding.check}: ${finding.detail}`);
    if (!finding.ok) {
      failed++;
      if (finding.fix) console.log(`    → ${finding.fix}`);
    }
  }
  console.log(failed === 0 ? "\nEverything Loopy needs is here." : `\n${failed} problem(s) to fix.`);
  return failed === 0 ? 0 : 1;
}
