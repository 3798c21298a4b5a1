import type { Card } from "./reply.js";

/**
 * Discord's limits on what one message, form or menu may hold, in one place. The core builds every Reply
 * within them (Discord refuses a message that breaks one), so each adapter can render a Reply as it is.
 */

/** One embed's description. */
export const CARD_BODY_MAX = 4096;
/** All the embeds of one message together: titles, descriptions, field names and values, footers. */
export const MESSAGE_CARDS_MAX = 6000;
/** Embeds in one message. */
export const CARDS_PER_MESSAGE_MAX = 10;
/** One embed field's value. */
export const FIELD_VALUE_MAX = 1024;
/** A text input's value in a form (modal). */
export const FORM_VALUE_MAX = 4000;
/** Buttons in one row. */
export const BUTTONS_PER_ROW_MAX = 5;
/** A button's label. */
export const BUTTON_LABEL_MAX = 80;
/** Choices of one autocomplete answer, and options of one select menu. */
export const CHOICES_MAX = 25;
/** An autocomplete choice's name, and a select menu option's label and description. */
export const CHOICE_LABEL_MAX = 100;

/** How much of MESSAGE_CARDS_MAX a card uses. */
export function cardSize(card: Card): number {
  return (card.title?.length ?? 0) + (card.body?.length ?? 0) + (card.footer?.length ?? 0) +
    (card.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0);
}
