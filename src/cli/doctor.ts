import { Redis } from "ioredis";
import { loadConfig, type Config } from "../config.js";
import { loadContent } from "../core/content/load.js";
import { findRedisServer } from "../store/redis-server.js";
import { offeredPythons, type InstalledPython } from "../sandbox/userlands.js";

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

const pythons: Check = (config) => {
  try {
    const offered = offeredPythons(config);
    const list = offered.pythons.map((python) => `${python.release}${python === offered.default ? " (default)" : ""}`).join(", ");
    return { check: "Pythons", ok: true, detail: `${list} in ${config.LOOPY_PYTHONS_DIR}` };
  } catch (error) {
    return { check: "Pythons", ok: false, detail: (error as Error).message, fix: "Run `npx loopy pythons install` as root (`npm run setup` does), or correct the variable named." };
  }
};

const sandbox: Check = async (config) => {
  const { checkSandbox } = await import("../sandbox/doctor.js");
  let offered: InstalledPython[];
  try {
    offered = offeredPythons(config).pythons;
  } catch {
    return { check: "Sandbox", ok: false, detail: "no Python to test it with (see Pythons above)" };
  }
  const { ok, problems } = await checkSandbox({ pythons: offered });
  return {
    check: "Sandbox",
    ok,
    detail: ok ? `bubblewrap, cgroups, the seccomp filter and a test run on each Python (${offered.map((python) => python.version).join(", ")}) work` : problems.join(" "),
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
  for (const check of [nodeVersion, content, redis, pythons, sandbox, discord]) {
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
