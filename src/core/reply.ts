/**
 * What Loopy says, independent of where it is said. Commands build a Reply once;
 * src/discord renders it as a Discord message and src/console as terminal text.
 */
export type Tone = "info" | "success" | "error" | "warning";

export interface Field {
  name: string;
  value: string;
  inline?: boolean;
}

/** A titled block: a Discord embed, or a framed section in the console. */
export interface Card {
  title?: string;
  url?: string;
  body?: string;
  fields?: Field[];
  footer?: string;
  tone?: Tone;
  /** Name of an attachment of the same reply to show as the card's picture. */
  image?: string;
}

export type ButtonStyle = "primary" | "secondary" | "success" | "danger";

/** `action` is routed back to a command's component handler: "<command>:<name>[:arg...]". */
export type Button =
  | { label: string; action: string; style?: ButtonStyle; disabled?: boolean }
  | { label: string; url: string };

export interface Choice {
  label: string;
  value: string;
  description?: string;
}

export interface Menu {
  action: string;
  placeholder: string;
  choices: Choice[];
}

export interface Attachment {
  name: string;
  data: Buffer;
  description?: string;
}

export interface Reply {
  text?: string;
  cards?: Card[];
  /** Rows of buttons, at most five a row. */
  buttons?: Button[][];
  menu?: Menu;
  attachments?: Attachment[];
  /** Seen only by the person who asked. */
  private?: boolean;
}

export interface TextInput {
  id: string;
  label: string;
  multiline: boolean;
  value?: string;
  placeholder?: string;
  required?: boolean;
  maxLength?: number;
}

/** One of a few fixed choices (a select in a Discord modal); `value` is the one chosen unless the user changes it. */
export interface ChoiceInput {
  id: string;
  label: string;
  choices: { label: string; value: string }[];
  value: string;
}

/** A form that asks the user for text and choices (a Discord modal; prompts in the console). */
export interface Form {
  action: string;
  title: string;
  inputs: (TextInput | ChoiceInput)[];
}

export function errorReply(message: string): Reply {
  return { cards: [{ title: "Sorry", body: message, tone: "error" }], private: true };
}

export function actionId(command: string, name: string, ...args: string[]): string {
  return [command, name, ...args].join(":");
}
