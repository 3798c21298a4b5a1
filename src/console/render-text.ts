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

/** Discord link Markdown reads better in a terminal as "title <url>". */
function plainLinks(text: string): string {
  return text.replace(/\[([^\]]+)\]\((https?:[^)]+)\)/g, "$1 <$2>");
}

function renderCard(card: Card): string[] {
  const lines: string[] = [RULE];
  const marker = card.tone === "error" ? "✖ " : card.tone === "warning" ? "⚠ " : card.tone === "success" ? "✔ " : "";
  if (card.title) lines.push(`${marker}${card.title}${card.url ? `  <${card.url}>` : ""}`, "");
  if (card.body) lines.push(plainLinks(card.body));
  for (const field of card.fields ?? []) lines.push("", `${field.name}:`, plainLinks(field.value));
  if (card.image) lines.push("", `[picture: ${card.image}]`);
  if (card.footer) lines.push("", card.footer);
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
  if (reply.text) lines.push(plainLinks(reply.text));
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
