import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { ApplicationCommandOptionType, ApplicationCommandType, InteractionResponseType, MessageFlags } from "discord.js";

/**
 * Would Discord accept this request? First Discord's own OpenAPI description of the route's body
 * (discord-api-spec/, vendored beside this file), then the documented rules the spec cannot express (its README).
 * Each function returns the problems found, as sentences; an empty list means Discord would accept it.
 */

const specPath = fileURLToPath(new URL("./discord-api-spec/openapi.json", import.meta.url));
const spec = JSON.parse(readFileSync(specPath, "utf8")) as {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
};

/**
 * Where Discord's documentation (which wins) and the spec differ in a way a body shows: permissions
 * are documented as a bitfield in a string (how discord.js sends them); the spec says integer.
 */
(function applyDocumentedCorrections(node: unknown) {
  if (typeof node !== "object" || node === null) return;
  const properties = (node as { properties?: Record<string, object> }).properties;
  if (properties?.default_member_permissions) properties.default_member_permissions = { type: ["string", "null"], pattern: "^\\d{1,20}$" };
  Object.values(node).forEach(applyDocumentedCorrections);
})(spec);

const ajv = new Ajv2020({ strict: false, allErrors: true, verbose: true });
addFormats.default(ajv);
// OpenAPI's numeric formats and Discord's own are annotations here: the types and ranges say the rest.
for (const format of ["int32", "int64", "double", "float", "snowflake", "nonce"]) ajv.addFormat(format, true);
ajv.addSchema(spec as object, "discord");

const MESSAGE_CONTENT_MAX = 2000;
const MESSAGE_EMBEDS_TOTAL_MAX = 6000;
const CHOICE_VALUE_MAX = 100;
const AUTOCOMPLETE_CHOICES_MAX = 25;
const COMMAND_TOTAL_MAX = 8000;
const FILE_MAX_BYTES = 10 * 1024 * 1024;
const REQUEST_FILES_MAX_BYTES = 25 * 1024 * 1024;
const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
/** The only flags an edit may set (Discord's "Edit Message" documentation). */
const EDITABLE_FLAGS = MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2;

export interface SentRequest {
  method: string;
  /** The path after /api/v10, without the query. */
  route: string;
  body: unknown;
  files: { name: string; data: Buffer }[];
}

interface SpecOperation {
  template: string;
  validate: ValidateFunction | undefined;
}

const routeTemplates = Object.keys(spec.paths)
  .map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
    // A literal segment such as @original wins over a {message_id} that also matches.
    parameters: (template.match(/\{/g) ?? []).length,
  }))
  .sort((a, b) => a.parameters - b.parameters);

const compiled = new Map<string, SpecOperation | undefined>();

function jsonPointerPart(part: string): string {
  return part.replace(/~/g, "~0").replace(/\//g, "~1");
}

function specOperation(method: string, route: string): SpecOperation | undefined {
  const template = routeTemplates.find((candidate) => candidate.pattern.test(route))?.template;
  const key = `${method} ${template}`;
  if (!compiled.has(key)) {
    const operation = template ? spec.paths[template]?.[method.toLowerCase()] : undefined;
    if (!template || !operation) {
      compiled.set(key, undefined);
    } else {
      const hasJsonBody = operation.requestBody?.content["application/json"] !== undefined;
      const pointer = ["paths", template, method.toLowerCase(), "requestBody", "content", "application/json", "schema"].map(jsonPointerPart).join("/");
      compiled.set(key, { template, validate: hasJsonBody ? ajv.compile({ $ref: `discord#/${pointer}` }) : undefined });
    }
  }
  return compiled.get(key);
}

/** Each property schema of the spec → the object schema it belongs to, to tell which oneOf branch an error came from. */
const ownerOfProperty = new Map<object, object>();
(function indexProperties(node: unknown) {
  if (typeof node !== "object" || node === null) return;
  const properties = (node as { properties?: Record<string, object> }).properties;
  for (const property of Object.values(properties ?? {})) ownerOfProperty.set(property, node);
  Object.values(node).forEach(indexProperties);
})(spec);

function schemaProblems(validate: ValidateFunction, body: unknown): string[] {
  if (validate(body)) return [];
  const errors = validate.errors ?? [];
  // anyOf/oneOf report every branch that failed. A branch whose `type` discriminator did not match
  // was never meant for this object: drop its errors, the bare "null" alternatives and the summaries.
  const branchOf = (error: (typeof errors)[number]) => ownerOfProperty.get(error.parentSchema as object) ?? error.parentSchema;
  const objectOf = (error: (typeof errors)[number]) => (error.keyword === "required" ? error.instancePath : error.instancePath.replace(/\/[^/]*$/, ""));
  const missed = errors
    .filter((error) => error.keyword === "enum" && error.instancePath.endsWith("/type"))
    .map((error) => ({ object: objectOf(error), branch: branchOf(error) }));
  const meant = errors.filter(
    (error) =>
      !["oneOf", "anyOf"].includes(error.keyword) &&
      !(error.keyword === "type" && error.params.type === "null") &&
      !missed.some((branch) => objectOf(error) === branch.object && branchOf(error) === branch.branch),
  );
  const shown = meant.length > 0 ? meant : errors;
  return [...new Set(shown.map((error) => `spec: ${error.instancePath || "body"} ${error.message}`))];
}

interface MessageBody {
  content?: string | null;
  embeds?: { title?: string; description?: string; fields?: { name: string; value: string }[]; footer?: { text?: string }; author?: { name?: string } }[] | null;
  components?: unknown[] | null;
  attachments?: unknown[] | null;
  flags?: number | null;
  poll?: unknown;
  sticker_ids?: unknown[];
}

function embedsLength(message: MessageBody): number {
  return (message.embeds ?? []).reduce(
    (sum, embed) =>
      sum +
      (embed.title?.length ?? 0) +
      (embed.description?.length ?? 0) +
      (embed.footer?.text?.length ?? 0) +
      (embed.author?.name?.length ?? 0) +
      (embed.fields ?? []).reduce((fields, field) => fields + field.name.length + field.value.length, 0),
    0,
  );
}

/** Every custom_id in a tree of components (rows, labels, containers). */
function customIds(components: unknown[] | null | undefined): string[] {
  const ids: string[] = [];
  const visit = (node: unknown) => {
    if (typeof node !== "object" || node === null) return;
    const component = node as { custom_id?: string; components?: unknown[]; component?: unknown; accessory?: unknown };
    if (component.custom_id !== undefined) ids.push(component.custom_id);
    component.components?.forEach(visit);
    visit(component.component);
    visit(component.accessory);
  };
  components?.forEach(visit);
  return ids;
}

function duplicates(values: string[]): string[] {
  return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}

function messageProblems(message: MessageBody, files: SentRequest["files"], kind: "create" | "edit"): string[] {
  const problems: string[] = [];
  const content = message.content ?? "";
  if (content.length > MESSAGE_CONTENT_MAX) problems.push(`content is ${content.length} characters; Discord allows ${MESSAGE_CONTENT_MAX}`);
  const embeds = embedsLength(message);
  if (embeds > MESSAGE_EMBEDS_TOTAL_MAX) problems.push(`the embeds hold ${embeds} characters together; Discord allows ${MESSAGE_EMBEDS_TOTAL_MAX}`);
  for (const id of duplicates(customIds(message.components))) problems.push(`custom_id "${id}" is used twice in one message`);
  const flags = message.flags ?? 0;
  if (flags & MessageFlags.IsComponentsV2 && (content !== "" || (message.embeds ?? []).length > 0)) {
    problems.push("a Components V2 message cannot carry content or embeds");
  }
  if (kind === "edit" && flags & ~EDITABLE_FLAGS) problems.push(`an edit may set only SUPPRESS_EMBEDS and IS_COMPONENTS_V2, not flags ${flags}`);
  if (kind === "create") {
    const empty = content === "" && !message.embeds?.length && !message.components?.length && files.length === 0 && !message.poll && !message.sticker_ids?.length;
    if (empty) problems.push("Cannot send an empty message (50006)");
  }
  return problems;
}

function filesProblems(files: SentRequest["files"]): string[] {
  const problems = files
    .filter((file) => file.data.length > FILE_MAX_BYTES)
    .map((file) => `file ${file.name} is ${file.data.length} bytes; Discord allows ${FILE_MAX_BYTES} per file`);
  const total = files.reduce((sum, file) => sum + file.data.length, 0);
  if (total > REQUEST_FILES_MAX_BYTES) problems.push(`the files total ${total} bytes; Discord allows ${REQUEST_FILES_MAX_BYTES} per request`);
  if (files.length > 10) problems.push(`${files.length} files in one message; Discord allows 10`);
  return problems;
}

function callbackProblems(callback: { type: number; data?: Record<string, unknown> | null }, files: SentRequest["files"]): string[] {
  const data = callback.data ?? {};
  switch (callback.type) {
    case InteractionResponseType.ChannelMessageWithSource:
      return messageProblems(data as MessageBody, files, "create");
    case InteractionResponseType.UpdateMessage:
      return messageProblems(data as MessageBody, files, "edit");
    case InteractionResponseType.DeferredChannelMessageWithSource: {
      const flags = (data.flags as number | undefined) ?? 0;
      return flags & ~MessageFlags.Ephemeral ? [`a deferred response may set only the EPHEMERAL flag, not ${flags}`] : [];
    }
    case InteractionResponseType.ApplicationCommandAutocompleteResult: {
      const choices = (data.choices as { name: string; value: unknown }[] | undefined) ?? [];
      const problems = choices.length > AUTOCOMPLETE_CHOICES_MAX ? [`${choices.length} autocomplete choices; Discord allows ${AUTOCOMPLETE_CHOICES_MAX}`] : [];
      for (const choice of choices) {
        if (typeof choice.value === "string" && choice.value.length > CHOICE_VALUE_MAX) problems.push(`choice value "${choice.value.slice(0, 20)}…" is over ${CHOICE_VALUE_MAX} characters`);
      }
      return problems;
    }
    case InteractionResponseType.Modal:
      return duplicates(customIds(data.components as unknown[])).map((id) => `custom_id "${id}" is used twice in one modal`);
    default:
      return [];
  }
}

interface CommandOption {
  type: number;
  name: string;
  description?: string;
  required?: boolean;
  max_length?: number;
  choices?: { name: string; value: unknown }[];
  options?: CommandOption[];
}

export interface CommandDefinition {
  type?: number;
  name: string;
  description?: string;
  options?: CommandOption[];
}

function optionsCharacters(options: CommandOption[] = []): number {
  return options.reduce(
    (sum, option) =>
      sum +
      option.name.length +
      (option.description?.length ?? 0) +
      (option.choices ?? []).reduce((choices, choice) => choices + choice.name.length + String(choice.value).length, 0) +
      optionsCharacters(option.options),
    0,
  );
}

function optionsProblems(options: CommandOption[] = [], where: string): string[] {
  const problems: string[] = [];
  const firstOptional = options.findIndex((option) => !option.required);
  const requiredAfterOptional = options.slice(firstOptional === -1 ? options.length : firstOptional).find((option) => option.required);
  if (requiredAfterOptional) problems.push(`${where}: required option "${requiredAfterOptional.name}" comes after an optional one`);
  for (const name of duplicates(options.map((option) => option.name))) problems.push(`${where}: two options are called "${name}"`);
  const subcommands = options.filter((option) => option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup);
  if (subcommands.length > 0 && subcommands.length < options.length) problems.push(`${where}: subcommands cannot sit beside plain options`);
  for (const option of options) {
    const path = `${where} ${option.name}`;
    if (!COMMAND_NAME.test(option.name) || option.name !== option.name.toLowerCase()) problems.push(`${path}: option name does not match Discord's name rule`);
    if (!option.description || option.description.length > 100) problems.push(`${path}: option description must be 1-100 characters`);
    for (const choice of option.choices ?? []) {
      if (typeof choice.value === "string" && choice.value.length > CHOICE_VALUE_MAX) problems.push(`${path}: choice value over ${CHOICE_VALUE_MAX} characters`);
    }
    problems.push(...optionsProblems(option.options, path));
  }
  return problems;
}

/** Discord's rules for one application command definition, beyond the spec's schema. */
export function commandProblems(command: CommandDefinition): string[] {
  const where = `/${command.name}`;
  const problems: string[] = [];
  if ((command.type ?? ApplicationCommandType.ChatInput) === ApplicationCommandType.ChatInput) {
    if (!COMMAND_NAME.test(command.name) || command.name !== command.name.toLowerCase()) problems.push(`${where}: name does not match Discord's name rule`);
    if (!command.description || command.description.length > 100) problems.push(`${where}: description must be 1-100 characters`);
  } else if (command.description) {
    problems.push(`${where}: a context menu command cannot have a description`);
  }
  const characters = command.name.length + (command.description?.length ?? 0) + optionsCharacters(command.options);
  if (characters > COMMAND_TOTAL_MAX) problems.push(`${where}: ${characters} characters in all; Discord allows ${COMMAND_TOTAL_MAX}`);
  problems.push(...optionsProblems(command.options, where));
  return problems;
}

/** The problems Discord would reject this request for; [] when it would take it. */
export function requestProblems(request: SentRequest): string[] {
  const operation = specOperation(request.method, request.route);
  if (!operation) return [`${request.method} ${request.route} is not a route of Discord's API`];
  const problems = operation.validate && request.body !== undefined ? schemaProblems(operation.validate, request.body) : [];
  problems.push(...filesProblems(request.files));
  const body = request.body as Record<string, unknown>;
  const { template } = operation;
  if (template === "/interactions/{interaction_id}/{interaction_token}/callback") {
    problems.push(...callbackProblems(body as { type: number }, request.files));
  } else if (template.endsWith("/commands") && request.method === "PUT") {
    for (const command of body as unknown as CommandDefinition[]) problems.push(...commandProblems(command));
  } else if (template === "/webhooks/{webhook_id}/{webhook_token}" || template === "/channels/{channel_id}/messages") {
    if (request.method === "POST") problems.push(...messageProblems(body as MessageBody, request.files, "create"));
  } else if (template.startsWith("/webhooks/{webhook_id}/{webhook_token}/messages/") || template === "/channels/{channel_id}/messages/{message_id}") {
    if (request.method === "PATCH") problems.push(...messageProblems(body as MessageBody, request.files, "edit"));
  }
  return problems;
}
