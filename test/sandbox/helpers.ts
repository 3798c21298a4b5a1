import { readdirSync, readFileSync } from "node:fs";
import { beforeAll } from "vitest";
import { OWN_PREFIX } from "../../src/sandbox/owner.js";
import { checkSandbox } from "../../src/sandbox/doctor.js";
import { configuredDefaultPython } from "../../src/sandbox/userlands.js";

/**
 * Fails the whole file, loudly, when the machine cannot sandbox: these tests run hostile code and must
 * never skip or fall back to running it bare.
 */
export function requireWorkingSandbox(): void {
  beforeAll(async () => {
    const { ok, problems } = await checkSandbox({ pythons: [configuredDefaultPython()] });
    if (!ok) throw new Error(`The sandbox cannot run on this machine, so its tests cannot either:\n- ${problems.join("\n- ")}`);
  });
}

/** Host pids whose command line contains `marker` (a unique argument the test program gave a process). */
export function processesWithMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Control groups this test process created and did not remove: any left would mean processes left running. */
export function leftoverCgroups(): string[] {
  const prefix = OWN_PREFIX;
  const places = ["/sys/fs/cgroup", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpuacct"];
  return places.flatMap((place) => {
    try {
      return readdirSync(place).filter((name) => name.startsWith(prefix)).map((name) => `${place}/${name}`);
    } catch {
      return [];
    }
  });
}

/** A marker unlikely to appear in any other process's command line. */
export function uniqueMarker(): string {
  return `${process.pid}.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
}
