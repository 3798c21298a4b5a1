import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import type { z } from "zod";
import type { AutocompleteRequest, CommandInteraction, ComponentInteraction } from "./core/interaction.js";
import type { Choice } from "./core/reply.js";

/** The parts of a command definition's JSON (what Discord registers) that Loopy reads itself. */
export interface OptionDefinition {
  name: string;
  type: number;
  required?: boolean;
  options?: OptionDefinition[];
  choices?: { name: string; value: string | number }[];
}
export interface CommandDefinition {
  name: string;
  type?: number;
  options?: OptionDefinition[];
}

/**
 * One file of commands/: its Discord definition (`data`, a discord.js builder), the schema of its
 * options, and its handlers. `components` answer the buttons, menus and forms whose action starts
 * with the command's name.
 */
export interface Command {
  data: { name: string; toJSON(): CommandDefinition };
  options: z.ZodType;
  execute(interaction: CommandInteraction<any>): Promise<void>;
  autocomplete?(request: AutocompleteRequest): Promise<Choice[]>;
  components?: Record<string, (interaction: ComponentInteraction) => Promise<void>>;
}

const commandsDir = join(fileURLToPath(new URL(".", import.meta.url)), "..", "commands");

/** Loads every file of commands/, keyed by command name, as the discord.js guide's loader does. */
export async function loadCommands(): Promise<Map<string, Command>> {
  const commands = new Map<string, Command>();
  for (const file of readdirSync(commandsDir).filter((name) => name.endsWith(".ts")).sort()) {
    const command = (await import(pathToFileURL(join(commandsDir, file)).href)) as Command;
    if (!command.data || !command.execute || !command.options) {
      throw new Error(`commands/${file} must export data, options and execute`);
    }
    commands.set(command.data.name, command);
  }
  return commands;
}

/** The definitions Discord registers, in the order of the files: what the console parses and deploy sends. */
export function commandDefinitions(commands: Map<string, Command>): CommandDefinition[] {
  return [...commands.values()].map((command) => command.data.toJSON());
}
