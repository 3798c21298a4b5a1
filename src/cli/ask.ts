import { InteractionResponseType, MessageFlags } from "discord.js";
import type { App } from "../app.js";
import { LocalInteraction, type LocalEvent } from "../console/local-interaction.js";
import { commandDefinitions } from "../commands.js";
import { parseCommandLine, problemSentences } from "../console/parse.js";
import { renderForConsole } from "../console/render-text.js";
import { renderEditForDiscord, renderForDiscord, renderFormForDiscord } from "../discord/render.js";
import { withLocalApp } from "./local-app.js";

/** The request discord.js would make for each thing a handler did, with the JSON body it would send. */
export function discordRequestFor(event: LocalEvent): { method: string; path: string; body: unknown; files?: string[] } {
  const callback = "/interactions/{interaction.id}/{interaction.token}/callback";
  switch (event.kind) {
    case "defer":
      return {
        method: "POST",
        path: callback,
        body: { type: InteractionResponseType.DeferredChannelMessageWithSource, data: event.private ? { flags: MessageFlags.Ephemeral } : {} },
      };
    case "form":
      return { method: "POST", path: callback, body: { type: InteractionResponseType.Modal, data: renderFormForDiscord(event.form) } };
    default: {
      // An edit carries what it replaces (text, attachments) and no new flags, as the Discord adapter sends it.
      const { body, files } = event.kind === "edit" ? renderEditForDiscord(event.reply) : renderForDiscord(event.reply);
      const names = files.length > 0 ? { files: files.map((file) => file.name) } : {};
      if (event.kind === "reply") return { method: "POST", path: callback, body: { type: InteractionResponseType.ChannelMessageWithSource, data: body }, ...names };
      if (event.kind === "update") return { method: "POST", path: callback, body: { type: InteractionResponseType.UpdateMessage, data: body }, ...names };
      if (event.kind === "edit") return { method: "PATCH", path: "/webhooks/{application.id}/{interaction.token}/messages/@original", body, ...names };
      return { method: "POST", path: "/webhooks/{application.id}/{interaction.token}", body, ...names };
    }
  }
}

/** Answers one command line with the real handlers; the events are what a Discord user would see. */
export async function ask(app: App, line: string): Promise<LocalEvent[] | string> {
  const definitions = commandDefinitions(app.router.commands);
  const parsed = parseCommandLine(line, definitions);
  if (!parsed.ok) return parsed.problem;
  const events: LocalEvent[] = [];
  const place = { user: { id: "cli-user", name: "cli" }, guildId: "cli-guild", channelId: "cli-channel", canManageServer: true };
  await app.router.command(parsed.name, parsed.options, new LocalInteraction(app.services, place, (event) => events.push(event)));
  return events;
}

/** `loopy ask "/explain topic:gather" [--json]` */
export async function main(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const line = args.filter((arg) => arg !== "--json").join(" ");
  if (line.trim() === "") {
    console.error('Usage: loopy ask "/explain topic:gather" [--json]');
    return 2;
  }
  return withLocalApp(async (app) => {
    const events = await ask(app, line);
    if (typeof events === "string") {
      console.error(`loopy: ${problemSentences(events)}`);
      return 2;
    }
    if (json) {
      console.log(JSON.stringify(events.map(discordRequestFor), null, 2));
    } else {
      for (const event of events) {
        if (event.kind === "defer") console.log("(Loopy is working on it…)");
        else if (event.kind === "form") console.log(`(a form opens: ${event.form.title})`);
        else console.log(renderForConsole(event.reply).text);
      }
    }
    return 0;
  });
}
