import { answerDistribution, checkContent, describeDistribution, distributionProblems, unknownCheckIds } from "../core/content/check.js";
import { closestNames } from "../core/edit-distance.js";
import { loadContent } from "../core/content/load.js";
import { loadConfig } from "../config.js";
import { interleavedOutput } from "../core/run/protocol.js";
import { runInSandbox, sandboxCleanups } from "../sandbox/sandbox.js";
import { offeredPythons } from "../sandbox/userlands.js";

const USAGE = "Usage: loopy content check [--only ID…]   (ID: a concept id, for its example and questions, or a question id)";

/**
 * `loopy content check [--only ID…]`: validates every file of content/, then runs every concept example and
 * every predict question (or only those of the ids named) in the sandbox on every offered Python and compares
 * with what the file says it prints.
 */
export async function main(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const only = rest[0] === "--only" ? rest.slice(1) : undefined;
  if (verb !== "check" || (rest.length > 0 && (!only || only.length === 0))) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const { pythons } = offeredPythons(config);
  const content = loadContent(config.LOOPY_CONTENT_DIR);
  const unknown = unknownCheckIds(content, only ?? []);
  if (unknown.length > 0) {
    const known = [...content.concepts.keys(), ...content.questions.map((question) => question.id)];
    for (const id of unknown) {
      const closest = closestNames(id, known);
      console.error(`loopy content check: no concept or question has the id "${id}".${closest.length > 0 ? ` Did you mean ${closest.join(" or ")}?` : ""}`);
    }
    return 2;
  }
  console.log(`Valid: ${content.concepts.size} concepts, ${content.questions.length} questions.`);
  const distribution = answerDistribution(content.questions);
  const giveaways = distributionProblems(distribution);
  console.log(describeDistribution(distribution));
  for (const problem of giveaways) console.log(`✖ quizzes can be gamed: ${problem}`);
  const versions = pythons.map((python) => python.version);
  console.log(`Running ${only ? `the examples and predict questions of ${only.join(", ")}` : "examples and predict questions"} on Python ${versions.join(", ")}…`);
  const failures = await checkContent(
    content,
    async (code, version) => {
      const result = await runInSandbox(code, { python: pythons.find((python) => python.version === version)! });
      return { output: interleavedOutput(result), wallMs: result.wallMs };
    },
    {
      only,
      versions,
      onProgress: (done, total) => {
        if (process.stdout.isTTY) process.stdout.write(`\r${done}/${total} checked${done === total ? "\n" : ""}`);
        else if (done % 20 === 0 || done === total) console.log(`${done}/${total} checked`);
      },
    },
  );
  await sandboxCleanups();
  for (const failure of failures) console.log(`✖ ${failure.file}: ${failure.item}\n${failure.problem}\n`);
  const failed = failures.length + giveaways.length;
  console.log(failed === 0 ? "All content checks passed." : `${failed} content check(s) failed.`);
  return failed === 0 ? 0 : 1;
}
