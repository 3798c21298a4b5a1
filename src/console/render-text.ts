import type { Card, Reply } from "../core/reply.js";

/** Something the console user can press by typing its number: a button or a menu choice. */
export interface Pressable {
  action: string;
  value?: string;
}

export interface ConsoleText {
  text: string;
  pressables: Pressable[];
}

const RULE = "─".repeat(60);

/**
 * Discord markup a terminal cannot render, as plain text: links as "title <url>", bold as plain, channel and role
 * mentions as #name and @name, timestamps (<t:seconds:style>) as a UTC date and time.
 */
function plainMarkup(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\((https?:[^)]+)\)/g, "$1 <$2>")
    .replace(/\*\*([^*\n]+)\*\*/g, "$1")
    .replace(/<#([\w-]+)>/g, "#$1")
    .replace(/<@&?([\w-]+)>/g, "@$1")
    .replace(/<t:(\d+)(?::[tTdDfFR])?>/g, (_, seconds: string) => `${new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`);
}

function renderCard(card: Card): string[] {
  const lines: string[] = [RULE];
  const marker = card.tone === "error" ? "✖ " : card.tone === "warning" ? "⚠ " : card.tone === "success" ? "✔ " : "";
  // Blocks of a card are separated by one blank line.
  const block = (...text: string[]) => lines.push(...(lines.length > 1 ? [""] : []), ...text);
  if (card.title) block(`${marker}${card.title}${card.url ? `  <${card.url}>` : ""}`);
  if (card.body) block(plainMarkup(card.body));
  // Short fields read as "Time: 628 ms", one a line; a field of several lines keeps its value below its name.
  const fields = (card.fields ?? []).flatMap((field) => {
    const value = plainMarkup(field.value);
    return value.includes("\n") ? [`${field.name}:`, value] : [`${field.name}: ${value}`];
  });
  if (fields.length > 0) block(...fields);
  if (card.image) block(`[picture: ${card.image}]`);
  if (card.footer) block(card.footer);
  return lines;
}

/**
 * A Reply as terminal text. Buttons and menu choices are numbered, in order, so the user can press
 * one by typing its number; links are printed as addresses.
 */
export function renderForConsole(reply: Reply, firstNumber = 1): ConsoleText {
  const lines: string[] = [];
  const pressables: Pressable[] = [];
  if (reply.private) lines.push("(only you can see this)");
  if (reply.text) lines.push(plainMarkup(reply.text));
  for (const card of reply.cards ?? []) lines.push(...renderCard(card));
  if ((reply.cards ?? []).length > 0) lines.push(RULE);
  const choices: string[] = [];
  for (const button of (reply.buttons ?? []).flat()) {
    if ("url" in button) {
      choices.push(`${button.label} <${button.url}>`);
    } else if (!button.disabled) {
      pressables.push({ action: button.action });
      choices.push(`[${firstNumber + pressables.length - 1}] ${button.label}`);
    }
  }
  if (choices.length > 0) lines.push(choices.join("   "));
  if (reply.menu && reply.menu.choices.length > 0) {
    lines.push(`${reply.menu.placeholder}:`);
    for (const choice of reply.menu.choices) {
      pressables.push({ action: reply.menu.action, value: choice.value });
      lines.push(`  [${firstNumber + pressables.length - 1}] ${choice.label}`);
    }
  }
  for (const attachment of reply.attachments ?? []) lines.push(`(attached: ${attachment.name}, ${attachment.data.length} bytes)`);
  return { text: lines.join("\n"), pressables };
}
