import { userInfo } from "node:os";
import { createInterface, type Interface } from "node:readline/promises";
import type { App } from "../app.js";
import type { Form } from "../core/reply.js";
import type { ConsolePoster } from "./console-poster.js";
import { LocalInteraction, type LocalEvent, type LocalPlace } from "./local-interaction.js";
import { parseCommandLine, type CommandDefinition } from "./parse.js";
import { renderForConsole, type Pressable } from "./render-text.js";

const PROMPT = "loopy> ";
const HELP = `Type a command as you would in Discord, for example:
  /explain topic:gather      /explain event loop      /run code:print("hi")
Type a number to press a button or pick a menu choice, "help" for this text, "exit" to quit.
Tab completes command names and /explain topics.`;

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
  const definitions = [...app.router.commands.values()].map((command) => command.data.toJSON() as CommandDefinition);
  const topics = [...app.services.content.concepts.keys()];
  const terminal = createInterface({
    prompt: PROMPT,
    input,
    output,
    completer: (line: string) => complete(line, definitions, topics),
    terminal: input.isTTY === true,
  });
  let pressables: Pressable[] = [];
  const say = (text: string) => output.write(`${text}\n`);

  const show = (event: LocalEvent, pendingForms: Form[]) => {
    if (event.kind === "defer") return say("Loopy is working on it…");
    if (event.kind === "form") return pendingForms.push(event.form);
    const rendered = renderForConsole(event.reply, pressables.length + 1);
    pressables = [...pressables, ...rendered.pressables];
    say(rendered.text);
  };

  /** Runs one handler and then any form it opened, which may open another in turn. */
  const drive = async (handle: (emit: (event: LocalEvent) => void) => Promise<void>) => {
    pressables = [];
    const forms: Form[] = [];
    await handle((event) => show(event, forms));
    for (let form = forms.shift(); form; form = forms.shift()) {
      const fields = await fillForm(terminal, form, say);
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
  for (;;) {
    let line: string;
    try {
      line = (await terminal.question(PROMPT)).trim();
    } catch {
      break; // input closed
    }
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
      say(`Sorry, ${parsed.problem}.`);
      continue;
    }
    await drive((emit) => app.router.command(parsed.name, parsed.options, new LocalInteraction(app.services, consolePlace, emit)));
  }
  terminal.close();
}

async function fillForm(terminal: Interface, form: Form, say: (text: string) => void): Promise<Record<string, string>> {
  say(`── ${form.title} ──`);
  const fields: Record<string, string> = {};
  for (const input of form.inputs) {
    if (!input.multiline) {
      fields[input.id] = (await terminal.question(`${input.label}: `)) || (input.value ?? "");
      continue;
    }
    say(`${input.label} (end with a line containing only a dot${input.value ? "; an empty first line keeps the current text" : ""}):`);
    if (input.value) say(input.value);
    const lines: string[] = [];
    for (let line = await terminal.question("… "); line !== "."; line = await terminal.question("… ")) lines.push(line);
    fields[input.id] = lines.length === 0 && input.value ? input.value : lines.join("\n");
  }
  return fields;
}

function complete(line: string, definitions: CommandDefinition[], topics: string[]): [string[], string] {
  const explain = /^\/explain\s+(?:topic:)?(\S*)$/.exec(line);
  if (explain) {
    const prefix = line.slice(0, line.length - explain[1]!.length);
    return [topics.filter((topic) => topic.startsWith(explain[1]!)).map((topic) => `${prefix}${topic}`), line];
  }
  if (/^\/\S*$/.test(line)) {
    return [definitions.map((definition) => `/${definition.name} `).filter((name) => name.startsWith(line)), line];
  }
  return [[], line];
}
