import type { CommandDefinition, OptionDefinition } from "../commands.js";

const SUB_COMMAND = 1;
const CHAT_INPUT = 1;

/** What Tab offers for the value of an option: topics for `topic`, the names Discord shows for choices. */
function valuesOf(option: OptionDefinition, topics: string[]): string[] {
  if (option.choices) return option.choices.map((choice) => choice.name);
  return option.name === "topic" ? topics : [];
}

/**
 * Tab completion for the console, as readline wants it: whole lines that complete `line`, and `line`.
 * It completes command names, subcommands, option names not given yet ("ti" → "time:"), and values where
 * they are known: topics, and choices by the name Discord shows. A command whose one required option may be
 * typed bare (`/explain gat`) completes topics there too.
 */
export function completeLine(line: string, definitions: CommandDefinition[], topics: string[]): [string[], string] {
  const commands = definitions.filter((definition) => (definition.type ?? CHAT_INPUT) === CHAT_INPUT); // not message menus
  const offer = (prefix: string, candidates: string[], typed: string, after = "") =>
    [candidates.filter((candidate) => candidate.toLowerCase().startsWith(typed.toLowerCase())).map((candidate) => `${prefix}${candidate}${after}`), line] as [string[], string];
  const command = /^\/(\S*)$/.exec(line);
  if (command) return offer("/", commands.map((definition) => definition.name), command[1]!, " ");
  const [, name = "", rest = ""] = /^\/(\S+)\s+([\s\S]*)$/.exec(line) ?? [];
  const definition = commands.find((candidate) => candidate.name === name);
  if (!definition) return [[], line];
  let options = definition.options ?? [];
  let optionsText = rest;
  const subcommands = options.filter((option) => option.type === SUB_COMMAND);
  if (subcommands.length > 0) {
    const [, subcommandName = "", afterSubcommand] = /^(\S*)(\s[\s\S]*)?$/.exec(rest) ?? [];
    if (afterSubcommand === undefined) return offer(`/${name} `, subcommands.map((subcommand) => subcommand.name), subcommandName, " ");
    options = subcommands.find((subcommand) => subcommand.name === subcommandName)?.options ?? [];
    optionsText = afterSubcommand.trimStart();
  }
  const prefix = line.slice(0, line.length - (/\S*$/.exec(line)![0].length));
  const word = /\S*$/.exec(line)![0];
  const valued = /^([\w-]+):(.*)$/.exec(word);
  if (valued) {
    const option = options.find((candidate) => candidate.name === valued[1]);
    return option ? offer(`${prefix}${valued[1]}:`, valuesOf(option, topics), valued[2]!) : [[], line];
  }
  const required = options.filter((option) => option.required);
  if (!/\w+:/.test(optionsText) && required.length === 1 && valuesOf(required[0]!, topics).length > 0 && word !== "") {
    return offer(prefix, valuesOf(required[0]!, topics), word);
  }
  const given = new Set([...optionsText.matchAll(/(?:^|\s)([\w-]+):/g)].map((match) => match[1]!));
  return offer(prefix, options.filter((option) => !given.has(option.name)).map((option) => `${option.name}:`), word);
}
