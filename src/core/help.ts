import type { Concept } from "./content/schema.js";
import { BUTTON_LABEL_MAX } from "./discord-limits.js";
import { shortened } from "./explain.js";
import { actionId, type Reply } from "./reply.js";

/** Concepts of the learning path offered as first steps. */
const FIRST_STEPS = 3;

/**
 * The answer to /help: every command in a line or two, how to run code (the form, its Input box, the message
 * menu), what the sandbox offers, and buttons to the first concepts of the learning path. `inServer` adds
 * the commands that only work in a server.
 */
export function helpReply(concepts: Map<string, Concept>, inServer: boolean): Reply {
  const learning = [
    "`/explain topic` — a concept explained, with a runnable example, the Python docs and related concepts. Type a topic as you would say it (`gather`, `asyncio.create_task()`, `semaphores`); an empty box lists the learning path in order.",
    "`/quiz [topic] [difficulty]` — a question with one button per choice; only you see whether you were right.",
    "`/progress` — your answers, accuracy per concept, and what to revisit.",
  ];
  const running = [
    "`/run code:print(\"hi\")` — run one line. For more, `/run` alone opens a form: paste the program, and put what `input()` should read in the **Input** box.",
    "**Apps → Run code** on any message — runs its ```` ```py ```` blocks.",
    "Code runs in a sandbox with Python's standard library only and no network (asyncio streams on 127.0.0.1 work). The reply shows your code, its output, the time taken, a picture of what the event loop did, and hints for common asyncio mistakes.",
  ];
  const server = [
    "`/leaderboard [period]` — this server's top ten at the daily quiz.",
    "`/daily setup|status|preview|post-now|pause|resume|off` — admins (Manage Server): a daily quiz in a channel.",
  ];
  const path = [...concepts.values()].slice(0, FIRST_STEPS);
  return {
    cards: [
      {
        title: "Loopy teaches Python's asyncio",
        body: "Read a concept, run its example, then test yourself. Install Loopy to your own account to use `/explain`, `/run` and `/quiz` in DMs and in any server.",
        fields: [
          { name: "Learn", value: learning.join("\n") },
          { name: "Run code", value: running.join("\n") },
          ...(inServer ? [{ name: "In this server", value: server.join("\n") }] : []),
        ],
        footer: "Start with the first steps of the learning path below.",
        tone: "info",
      },
    ],
    buttons: path.length > 0 ? [path.map((concept) => ({ label: shortened(concept.title, BUTTON_LABEL_MAX), action: actionId("explain", "show", concept.id), style: "primary" as const }))] : undefined,
    private: true,
  };
}
