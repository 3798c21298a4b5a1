import { checkContent } from "../core/content/check.js";
import { loadContent } from "../core/content/load.js";
import { loadConfig } from "../config.js";
import { runInSandbox } from "../sandbox/sandbox.js";
import { offeredPythons } from "../sandbox/userlands.js";

/**
 * `loopy content check`: validates every file of content/, then runs every concept example and every
 * predict question in the sandbox on every offered Python and compares with what the file says it prints.
 */
export async function main(args: string[]): Promise<number> {
  if (args[0] !== "check") {
    console.error("Usage: loopy content check");
    return 2;
  }
  const config = loadConfig();
  const { pythons } = offeredPythons(config);
  const content = loadContent(config.LOOPY_CONTENT_DIR);
  const versions = pythons.map((python) => python.version);
  console.log(`Valid: ${content.concepts.size} concepts, ${content.questions.length} questions. Running examples and predict questions on Python ${versions.join(", ")}…`);
  const failures = await checkContent(
    content,
    async (code, version) => {
      const result = await runInSandbox(code, { python: pythons.find((python) => python.version === version)! });
      return { output: result.chunks.map((chunk) => chunk.text).join(""), wallMs: result.wallMs };
    },
    {
      versions,
      onProgress: (done, total) => {
        if (process.stdout.isTTY) process.stdout.write(`\r${done}/${total} checked${done === total ? "\n" : ""}`);
        else if (done % 20 === 0 || done === total) console.log(`${done}/${total} checked`);
      },
    },
  );
  for (const failure of failures) console.log(`✖ ${failure.file}: ${failure.item}\n${failure.problem}\n`);
  console.log(failures.length === 0 ? "All content checks passed." : `${failures.length} content check(s) failed.`);
  return failures.length === 0 ? 0 : 1;
}
