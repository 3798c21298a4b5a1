import { answerDistribution, checkContent, describeDistribution, distributionProblems } from "../core/content/check.js";
import { loadContent } from "../core/content/load.js";
import { loadConfig } from "../config.js";
import { runInSandbox } from "../sandbox/sandbox.js";

/**
 * `loopy content check`: validates every file of content/, then runs every concept example and every
 * predict question in the sandbox and compares with what the file says Python prints.
 */
export async function main(args: string[]): Promise<number> {
  if (args[0] !== "check") {
    console.error("Usage: loopy content check");
    return 2;
  }
  const config = loadConfig();
  const content = loadContent(config.LOOPY_CONTENT_DIR);
  console.log(`Valid: ${content.concepts.size} concepts, ${content.questions.length} questions.`);
  const distribution = answerDistribution(content.questions);
  const giveaways = distributionProblems(distribution);
  console.log(describeDistribution(distribution));
  for (const problem of giveaways) console.log(`✖ quizzes can be gamed: ${problem}`);
  console.log("Running examples and predict questions…");
  const failures = await checkContent(
    content,
    async (code) => {
      const result = await runInSandbox(code, { python: config.LOOPY_PYTHON });
      return { output: result.chunks.map((chunk) => chunk.text).join(""), wallMs: result.wallMs, python: result.python };
    },
    {
      onProgress: (done, total) => {
        if (process.stdout.isTTY) process.stdout.write(`\r${done}/${total} checked${done === total ? "\n" : ""}`);
        else if (done % 20 === 0 || done === total) console.log(`${done}/${total} checked`);
      },
    },
  );
  for (const failure of failures) console.log(`✖ ${failure.file}: ${failure.item}\n${failure.problem}\n`);
  const failed = failures.length + giveaways.length;
  console.log(failed === 0 ? "All content checks passed." : `${failed} content check(s) failed.`);
  return failed === 0 ? 0 : 1;
}
