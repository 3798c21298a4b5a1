import type { CommandDefinition, OptionDefinition } from "../commands.js";

const SUB_COMMAND = 1;
const INTEGER = 4;
const BOOLEAN = 5;
const NUMBER = 10;
const CHANNEL = 7;
const ROLE = 8;

const TYPE_WORDS: Record<number, string> = { 3: "text", [INTEGER]: "number", [BOOLEAN]: "true|false", [CHANNEL]: "#channel", [ROLE]: "@role", [NUMBER]: "number" };

/** How a command (or subcommand) is typed: "/daily setup channel:<#channel> time:<text> [reveal-after:<text>]". */
export function usageOf(path: string, options: OptionDefinition[]): string {
  const shown = options.map((option) => {
    const value = option.choices ? option.choices.map((choice) => choice.name).join("|") : TYPE_WORDS[option.type] ?? "value";
    const typed = `${option.name}:<${value}>`;
    return option.required ? typed : `[${typed}]`;
  });
  return [`/${path}`, ...shown].join(" ");
}

/** Every required option left out, named at once with the usage, as Discord's own form would insist on them all. */
function missingOptions(path: string, known: OptionDefinition[], given: Record<string, unknown>): string | undefined {
  const missing = known.filter((option) => option.required && (given[option.name] === undefined || given[option.name] === ""));
  if (missing.length === 0) return undefined;
  const names = missing.map((option) => `\`${option.name}\``);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return `/${path} needs ${list}\nUsage: ${usageOf(path, known)}`;
}

/** A problem of a line as sentences: its first line (what is wrong) ends with a full stop; a usage may follow. */
export function problemSentences(problem: string): string {
  return problem.replace(/^[^\n]*/, (first) => `${first}.`);
}

export type ParsedLine =
  | { ok: true; name: string; options: Record<string, unknown> }
  | { ok: false; problem: string };

function coerce(value: string, option: OptionDefinition): unknown {
  // Discord shows a choice's name and sends its value: "difficulty:beginner" means 1.
  const choice = option.choices?.find((candidate) => candidate.name.toLowerCase() === value.toLowerCase());
  if (choice) return choice.value;
  const { type } = option;
  if (type === INTEGER || type === NUMBER) return value.trim() === "" ? value : Number(value);
  if (type === BOOLEAN) return value === "true" ? true : value === "false" ? false : value;
  // Typed as in Discord's chat box: #general, @role; Discord itself delivers the bare id.
  if (type === CHANNEL) return value.replace(/^#/, "");
  if (type === ROLE) return value.replace(/^@&?/, "");
  return value;
}

/** Splits "a:1 b:two words" into options, a value running until the next known "name:". */
function readOptions(text: string, known: OptionDefinition[]): Record<string, unknown> | string {
  const names = known.map((option) => option.name);
  if (text.trim() === "") return {};
  const pattern = new RegExp(`(?:^|\\s)(${names.map((name) => name.replace(/[-]/g, "\\-")).join("|")}):`, "g");
  const starts = [...text.matchAll(pattern)];
  if (starts.length === 0) {
    const required = known.filter((option) => option.required);
    const only = required.length === 1 ? required[0] : known.length === 1 ? known[0] : undefined;
    if (only) return { [only.name]: coerce(text.trim(), only) };
    return `write options as name:value, e.g. ${names.map((name) => `${name}:…`).join(" ")}`;
  }
  if (text.slice(0, starts[0]!.index).trim() !== "") return `"${text.slice(0, starts[0]!.index).trim()}" is not an option; write name:value`;
  const options: Record<string, unknown> = {};
  starts.forEach((start, index) => {
    const name = start[1]!;
    const valueStart = start.index + start[0].length;
    const valueEnd = index + 1 < starts.length ? starts[index + 1]!.index : text.length;
    options[name] = coerce(text.slice(valueStart, valueEnd).trim(), known.find((option) => option.name === name)!);
  });
  return options;
}

/**
 * Reads a command line typed as in Discord ("/explain topic:gather", "/daily setup time:09:00 …")
 * into the command name and raw options, the way Discord would deliver them (subcommand included).
 */
export function parseCommandLine(line: string, definitions: CommandDefinition[]): ParsedLine {
  const match = /^\/?([^\s/]\S*)\s*([\s\S]*)$/.exec(line.trim());
  if (!match) return { ok: false, problem: "type a command such as /explain topic:gather" };
  const [, name, rest] = match as unknown as [string, string, string];
  const definition = definitions.find((candidate) => candidate.name === name.toLowerCase() && (candidate.type ?? 1) === 1);
  if (!definition) return { ok: false, problem: `there is no /${name}; try ${definitions.filter((d) => (d.type ?? 1) === 1).map((d) => `/${d.name}`).join(", ")}` };
  const subcommands = (definition.options ?? []).filter((option) => option.type === SUB_COMMAND);
  if (subcommands.length === 0) {
    const options = readOptions(rest, definition.options ?? []);
    if (typeof options === "string") return { ok: false, problem: `${options}\nUsage: ${usageOf(definition.name, definition.options ?? [])}` };
    const missing = missingOptions(definition.name, definition.options ?? [], options);
    return missing ? { ok: false, problem: missing } : { ok: true, name: definition.name, options };
  }
  const [, subcommandName = "", subcommandRest = ""] = /^(\S*)\s*([\s\S]*)$/.exec(rest) ?? [];
  const subcommand = subcommands.find((candidate) => candidate.name === subcommandName);
  if (!subcommand) return { ok: false, problem: `/${definition.name} needs one of: ${subcommands.map((s) => s.name).join(", ")}` };
  const path = `${definition.name} ${subcommand.name}`;
  const options = readOptions(subcommandRest, subcommand.options ?? []);
  if (typeof options === "string") return { ok: false, problem: `${options}\nUsage: ${usageOf(path, subcommand.options ?? [])}` };
  const missing = missingOptions(path, subcommand.options ?? [], options);
  return missing ? { ok: false, problem: missing } : { ok: true, name: definition.name, options: { subcommand: subcommand.name, ...options } };
}
