import { mkdirSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import type { App } from "../app.js";
import type { Attachment, Form } from "../core/reply.js";
import type { ConsolePoster } from "./console-poster.js";
import { LocalInteraction, type LocalEvent, type LocalPlace } from "./local-interaction.js";
import { commandDefinitions } from "../commands.js";
import { completeLine } from "./complete.js";
import { parseCommandLine, problemSentences } from "./parse.js";
import { renderForConsole, type Pressable } from "./render-text.js";

const PROMPT = "loopy> ";
const HELP = `Type a command as you would in Discord, for example:
  /explain topic:gather      /explain event loop      /run code:print("hi")
Type a number to press a button or pick a menu choice, "help" for this text, "exit" (or Ctrl-C) to quit.
Tab completes command names, subcommands, options and topics. In a form, a line with only "." ends a box;
"." at once keeps a box's text, leaves an optional box (the program's Input) empty, or cancels the form. The "Run code" message menu needs a message, so it exists only in Discord.`;

/** The console plays a one-person server in which you are the admin. */
const consolePlace: LocalPlace = {
  user: { id: "console-user", name: userInfo().username },
  guildId: "console-guild",
  channelId: "console-channel",
  canManageServer: true,
};

/**
 * The local console: the same router, handlers, queue, workers and sandbox as the Discord bot,
 * driven from the terminal. Resolves when the user types "exit" or closes the input.
 */
export async function runConsole(app: App, poster: ConsolePoster, input = process.stdin, output = process.stdout): Promise<void> {
  const definitions = commandDefinitions(app.router.commands);
  const topics = [...app.services.content.concepts.keys()];
  const terminal = createInterface({
    prompt: PROMPT,
    input,
    output,
    completer: (line: string) => completeLine(line, definitions, topics),
    terminal: input.isTTY === true,
  });
  let pressables: Pressable[] = [];
  const say = (text: string) => output.write(`${text}\n`);
  // Lines are read from readline's iterator, which buffers them: pasted or piped lines are never lost.
  const lines = terminal[Symbol.asyncIterator]();
  const ask: Ask = async (prompt) => {
    terminal.setPrompt(prompt);
    terminal.prompt();
    const next = await lines.next();
    return next.done ? undefined : next.value;
  };

  const show = (event: LocalEvent, pendingForms: Form[]) => {
    if (event.kind === "defer") return say("Loopy is working on it…");
    if (event.kind === "form") return pendingForms.push(event.form);
    const rendered = renderForConsole(event.reply, pressables.length + 1);
    pressables = [...pressables, ...rendered.pressables];
    say(rendered.text);
    for (const attachment of event.reply.attachments ?? []) say(`  saved as ${saveAttachment(attachment)}`);
  };

  /** A terminal cannot show a picture or a long file inline: they are written to the data folder instead. */
  let saved = 0;
  const saveAttachment = (attachment: Attachment) => {
    const folder = join(app.services.config.LOOPY_DATA_DIR, "attachments");
    mkdirSync(folder, { recursive: true });
    // Stamped with the time, so a later session never overwrites an earlier one's files.
    const path = join(folder, `${new Date().toISOString().replace(/[:.]/g, "-")}-${++saved}-${basename(attachment.name)}`);
    writeFileSync(path, attachment.data);
    return path;
  };

  /**
   * Ctrl-C (or SIGINT) says at once what happens: with something running, the console stops waiting for it
   * and Loopy shuts down gracefully (the run in progress ends first, bounded by its time limit); a second
   * Ctrl-C quits at once. At the prompt it simply quits.
   */
  let busy = false;
  let interrupted: () => void = () => {};
  const interruption = new Promise<void>((resolve) => (interrupted = resolve));
  const sayStopping = () =>
    say(busy ? "\nStopping Loopy: the run in progress finishes first (within its time limit), then Loopy exits. Press Ctrl-C again to quit at once." : "\nStopping Loopy…");
  // A terminal's Ctrl-C reaches readline, which hands it here: the console ends, and Loopy shuts down after it.
  terminal.on("SIGINT", () => {
    sayStopping();
    interrupted();
  });
  // A signal from outside (kill -INT, or Ctrl-C without a terminal) already shuts Loopy down: only say so.
  const onInterrupt = () => sayStopping();
  process.on("SIGINT", onInterrupt);

  /** Runs one handler and then any form it opened, which may open another in turn; gives up when interrupted. */
  const drive = async (handle: (emit: (event: LocalEvent) => void) => Promise<void>) => {
    busy = true;
    try {
      await Promise.race([driveForms(handle), interruption]);
    } finally {
      busy = false;
    }
  };

  const driveForms = async (handle: (emit: (event: LocalEvent) => void) => Promise<void>) => {
    pressables = [];
    const forms: Form[] = [];
    await handle((event) => show(event, forms));
    for (let form = forms.shift(); form; form = forms.shift()) {
      const fields = await fillForm(ask, form, say);
      if (fields === undefined) return;
      const interaction = new LocalInteraction(app.services, consolePlace, (event) => show(event, forms), [], fields);
      await app.router.component(form.action, interaction);
    }
  };

  poster.attach((heading, reply) => {
    const rendered = renderForConsole(reply, pressables.length + 1);
    pressables = [...pressables, ...rendered.pressables];
    say(`\n── ${heading} ──\n${rendered.text}`);
    terminal.prompt(true);
  });

  say(`Loopy's local console. ${app.services.content.concepts.size} concepts loaded.\n${HELP}`);
  await warnIfRunsCannotWork(app, say);
  let stopped = false;
  void interruption.then(() => (stopped = true));
  for (;;) {
    const typed = stopped ? undefined : await Promise.race([ask(PROMPT), interruption.then(() => undefined)]);
    if (typed === undefined || stopped) break; // input closed, or Ctrl-C
    const line = typed.trim();
    if (line === "exit" || line === "quit") break;
    if (line === "") continue;
    if (line === "help") {
      say(HELP);
      continue;
    }
    if (/^\d+$/.test(line)) {
      const pressed = pressables[Number(line) - 1];
      if (!pressed) {
        say(pressables.length === 0 ? "There is nothing to press right now." : `Choose a number from 1 to ${pressables.length}.`);
        continue;
      }
      await drive((emit) =>
        app.router.component(pressed.action, new LocalInteraction(app.services, consolePlace, emit, pressed.value ? [pressed.value] : [])),
      );
      continue;
    }
    const parsed = parseCommandLine(line, definitions);
    if (!parsed.ok) {
      say(`Sorry, ${problemSentences(parsed.problem)}`);
      continue;
    }
    await drive((emit) => app.router.command(parsed.name, parsed.options, new LocalInteraction(app.services, consolePlace, emit)));
  }
  process.off("SIGINT", onInterrupt);
  terminal.close();
}

/**
 * The console runs its worker in-process: when this machine cannot sandbox code (not root, no bubblewrap, …),
 * say so at once, rather than at the first /run.
 */
async function warnIfRunsCannotWork(app: App, say: (text: string) => void): Promise<void> {
  if (!app.services.config.RUN_WORKERS_IN_PROCESS) return;
  const { checkSandbox } = await import("../sandbox/doctor.js");
  const { offeredPythons } = await import("../sandbox/userlands.js");
  const { ok, problems } = await checkSandbox({ pythons: [offeredPythons(app.services.config).default] });
  if (!ok) say(`\n⚠ /run will not work on this machine:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\n  Run \`npx loopy doctor\` for the fixes.\n`);
}

/** Asks for one line; undefined once the input is closed. */
type Ask = (prompt: string) => Promise<string | undefined>;

/**
 * Fills a form line by line; undefined when it is cancelled (a required box left empty) or the input closes
 * first. A box ends at a line holding only "."; "." at once keeps a pre-filled box's text, leaves an
 * optional box empty, and cancels the form at an empty required box.
 */
async function fillForm(ask: Ask, form: Form, say: (text: string) => void): Promise<Record<string, string> | undefined> {
  say(`── ${form.title} ──`);
  const fields: Record<string, string> = {};
  for (const input of form.inputs) {
    if ("choices" in input) {
      // Not asked: a pasted command and its code must not run into an extra question. /run python:3.X chooses.
      say(`${input.label}: ${input.value} (the options of /run choose another)`);
      fields[input.id] = input.value;
      continue;
    }
    if (!input.multiline) {
      const typed = await ask(`${input.label}: `);
      if (typed === undefined) return undefined;
      fields[input.id] = typed || (input.value ?? "");
      continue;
    }
    const atOnce = input.value ? "keeps the text above" : input.required ? "cancels" : "leaves it empty";
    say(`${input.label} (end with a line holding only "."; "." at once ${atOnce}):`);
    if (input.value) say(input.value);
    const lines: string[] = [];
    for (let line = await ask("… "); line !== "."; line = await ask("… ")) {
      if (line === undefined) return undefined;
      lines.push(line);
    }
    if (lines.length === 0 && !input.value && input.required) {
      say("Form cancelled.");
      return undefined;
    }
    fields[input.id] = lines.length === 0 ? (input.value ?? "") : lines.join("\n");
  }
  return fields;
}
