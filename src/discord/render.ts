import {
  ButtonStyle as DiscordButtonStyle,
  ComponentType,
  MessageFlags,
  MessagePayload,
  TextInputStyle,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIModalInteractionResponseCallbackData,
  type MessageTarget,
  type RESTPostAPIWebhookWithTokenJSONBody,
} from "discord.js";
import { CHOICES_MAX } from "../core/discord-limits.js";
import type { Button, ButtonStyle, Card, Form, Reply, Tone } from "../core/reply.js";

const toneColours: Record<Tone, number> = { info: 0x5865f2, success: 0x57f287, error: 0xed4245, warning: 0xfee75c };
const buttonStyles: Record<ButtonStyle, DiscordButtonStyle> = {
  primary: DiscordButtonStyle.Primary,
  secondary: DiscordButtonStyle.Secondary,
  success: DiscordButtonStyle.Success,
  danger: DiscordButtonStyle.Danger,
};

export interface DiscordMessage {
  body: RESTPostAPIWebhookWithTokenJSONBody & { flags?: number };
  files: { name: string; data: Buffer }[];
}

function renderCard(card: Card): APIEmbed {
  return {
    title: card.title,
    url: card.url,
    description: card.body,
    color: card.tone ? toneColours[card.tone] : undefined,
    fields: card.fields?.map(({ name, value, inline }) => ({ name, value, inline })),
    footer: card.footer ? { text: card.footer } : undefined,
    image: card.image ? { url: `attachment://${card.image}` } : undefined,
  };
}

function renderButton(button: Button) {
  return "url" in button
    ? { type: ComponentType.Button as const, style: DiscordButtonStyle.Link as const, label: button.label, url: button.url }
    : {
        type: ComponentType.Button as const,
        style: buttonStyles[button.style ?? "secondary"] as DiscordButtonStyle.Primary,
        label: button.label,
        custom_id: button.action,
        disabled: button.disabled,
      };
}

function renderRows(reply: Reply): APIActionRowComponent<APIComponentInMessageActionRow>[] {
  const rows: APIActionRowComponent<APIComponentInMessageActionRow>[] = (reply.buttons ?? []).map((row) => ({
    type: ComponentType.ActionRow,
    components: row.map(renderButton),
  }));
  if (reply.menu && reply.menu.choices.length > 0) {
    rows.push({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.StringSelect,
          custom_id: reply.menu.action,
          placeholder: reply.menu.placeholder,
          options: reply.menu.choices.slice(0, CHOICES_MAX).map(({ label, value, description }) => ({ label, value, description })),
        },
      ],
    });
  }
  return rows;
}

function render(reply: Reply, replacing: boolean): DiscordMessage {
  const files = (reply.attachments ?? []).map(({ name, data }) => ({ name, data }));
  const attachments = (reply.attachments ?? []).map((attachment, id) => ({ id: String(id), filename: attachment.name, description: attachment.description }));
  return {
    body: {
      content: reply.text ?? (replacing ? "" : undefined),
      embeds: (reply.cards ?? []).map(renderCard),
      components: renderRows(reply),
      allowed_mentions: { parse: [] },
      attachments: (attachments.length > 0 || replacing ? attachments : undefined) as never,
      flags: reply.private && !replacing ? MessageFlags.Ephemeral : undefined,
    },
    files,
  };
}

/**
 * A Reply as the JSON body Discord's API takes (what discord.js sends for it), plus the files to upload.
 * Mentions never ping: what learners typed can contain @everyone.
 */
export function renderForDiscord(reply: Reply): DiscordMessage {
  return render(reply, false);
}

/**
 * A Reply as the body of an edit (editReply, update, a channel message edit). Discord keeps whatever an
 * edit leaves out, so the text and files are always given, empty when the Reply has none; the ephemeral
 * flag, which an edit cannot change, is left out.
 */
export function renderEditForDiscord(reply: Reply): DiscordMessage {
  return render(reply, true);
}

/**
 * A rendered message for discord.js to send exactly as it is: a MessagePayload whose body is already
 * set skips discord.js's own option parsing, so what the tests validate is what goes out.
 */
export function asMessagePayload(target: MessageTarget, { body, files }: DiscordMessage): MessagePayload {
  const payload = new MessagePayload(target, {});
  payload.body = body as never;
  payload.files = files;
  return payload;
}

export function renderFormForDiscord(form: Form): APIModalInteractionResponseCallbackData {
  return {
    custom_id: form.action,
    title: form.title,
    components: form.inputs.map((input) =>
      "choices" in input
        ? {
            // Modals hold selects inside a Label component (discord.js 14.23+).
            type: ComponentType.Label,
            label: input.label,
            component: {
              type: ComponentType.StringSelect,
              custom_id: input.id,
              options: input.choices.map((choice) => ({ label: choice.label, value: choice.value, default: choice.value === input.value })),
              required: true,
            },
          }
        : {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.TextInput,
                custom_id: input.id,
                label: input.label,
                style: input.multiline ? TextInputStyle.Paragraph : TextInputStyle.Short,
                value: input.value,
                placeholder: input.placeholder,
                required: input.required,
                max_length: input.maxLength,
              },
            ],
          },
    ),
  };
}
