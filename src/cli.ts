import { ConfigError } from "./config.js";
import { ContentError } from "./core/content/load.js";
import { sendLogsToStderr } from "./log.js";

/** `loopy <verb>`: what an operator or a content author does without Discord. Each verb is one file of src/cli/. */
const verbs: Record<string, { summary: string; load: () => Promise<{ main(args: string[]): Promise<number> }> }> = {
  ask: { summary: 'ask "/explain topic:gather" [--json]   answer one command line, as text or as the JSON Discord would get', load: () => import("./cli/ask.js") },
  run: { summary: "run FILE|- [--json] [--queue]          run Python in the sandbox (--queue: through Redis and a worker)", load: () => import("./cli/run.js") },
  content: { summary: "content check [--only ID…]             validate content/ and run every example and predict question (or those of IDs)", load: () => import("./cli/content.js") },
  pythons: { summary: "pythons [install [--refresh] [--dir DIR]]  list the Pythons runs use; install builds their userlands", load: () => import("./cli/pythons.js") },
  doctor: { summary: "doctor                                 check this machine for everything Loopy needs", load: () => import("./cli/doctor.js") },
  "deploy-commands": { summary: "deploy-commands [--guild ID]           register the slash commands with Discord", load: () => import("./cli/deploy-commands.js") },
};

function usage(): string {
  return ["Usage: loopy <command>", "", ...Object.values(verbs).map((verb) => `  loopy ${verb.summary}`)].join("\n");
}

async function main(argv: string[]): Promise<number> {
  sendLogsToStderr();
  const [verb, ...args] = argv;
  if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help") {
    console.log(usage());
    return verb === undefined ? 2 : 0;
  }
  const entry = verbs[verb];
  if (!entry) {
    console.error(`loopy: unknown command "${verb}".\n\n${usage()}`);
    return 2;
  }
  return (await entry.load()).main(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof ContentError || ["SandboxStartError", "UserlandBuildError"].includes((error as Error).name);
    console.error(`loopy: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}`);
    process.exit(1);
  },
);
