import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import matter from "gray-matter";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { closestNames } from "../edit-distance.js";
import { conceptBody, conceptFrontMatter, quizQuestion, type Concept, type QuizQuestion } from "./schema.js";

/** content/ is wrong: the message lists every problem, each naming the file, the question or field, and what is wrong. */
export class ContentError extends Error {}

export type Question = QuizQuestion & { file: string };

export interface Content {
  /** In the learning path's order (content/CONCEPTS.txt), or by file name without one. */
  concepts: Map<string, Concept>;
  questions: Question[];
}

/** The learning path: every concept id once, in the order a learner meets them, each with a note on what it covers. */
export const LEARNING_PATH_FILE = "CONCEPTS.txt";

/** Every problem found, so an author fixes them all in one go instead of one per run. */
type Problems = string[];

const KIND_WORDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a set of fields",
};

function kindOf(value: unknown): string {
  if (value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a set of fields";
  if (typeof value === "string") return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value === "number" ? "the number" : ""} ${String(value)}`.trim();
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined), data);
}

/** The schema a path leads to inside `schema`, to name the fields it allows. */
function schemaAt(schema: z.ZodType, path: PropertyKey[]): z.ZodType | undefined {
  let current: unknown = schema;
  for (const key of path) {
    while (current && typeof current === "object" && "unwrap" in current && !("shape" in current)) current = (current as { unwrap(): unknown }).unwrap();
    if (current && typeof current === "object" && "shape" in current) current = (current as { shape: Record<string, unknown> }).shape[String(key)];
    else if (current && typeof current === "object" && "element" in current) current = (current as { element: unknown }).element;
    else return undefined;
  }
  return current as z.ZodType | undefined;
}

/** `text` ended as a sentence: with a full stop unless it ends with a question already. */
function sentence(text: string): string {
  return /[.?]$/.test(text) ? text : `${text}.`;
}

function didYouMean(typed: string, names: Iterable<string>): string {
  const closest = closestNames(typed, names);
  return closest.length > 0 ? ` Did you mean ${closest.map((name) => `"${name}"`).join(" or ")}?` : "";
}

function characters(count: number): string {
  return `${count.toLocaleString("en")} character${count === 1 ? "" : "s"}`;
}

function items(count: number): string {
  return `${count} item${count === 1 ? "" : "s"}`;
}

/** One schema issue in plain words: what is wrong with which field (`docs[0].url`). */
function describeIssue(issue: z.core.$ZodIssue, data: unknown, schema: z.ZodType, fieldPath: PropertyKey[]): string {
  const field = fieldPath.map((key, index) => (typeof key === "number" ? `[${key}]` : `${index > 0 ? "." : ""}${String(key)}`)).join("");
  const named = field ? `"${field}"` : "the file";
  const value = valueAt(data, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return `${named} is missing`;
      return `${named} must be ${KIND_WORDS[issue.expected] ?? issue.expected}, not ${kindOf(value)}`;
    case "too_small":
      if (issue.origin === "string") return Number(issue.minimum) <= 1 ? `${named} is empty` : `${named} needs at least ${characters(Number(issue.minimum))}`;
      if (issue.origin === "array") return `${named} needs at least ${items(Number(issue.minimum))}, and has ${items((value as unknown[]).length)}`;
      return `${named} must be at least ${String(issue.minimum)}`;
    case "too_big":
      if (issue.origin === "string") return `${named} is ${characters((value as string).length)} long; at most ${characters(Number(issue.maximum))} fit`;
      if (issue.origin === "array") return `${named} has ${items((value as unknown[]).length)}; at most ${items(Number(issue.maximum))} are allowed`;
      return `${named} must be at most ${String(issue.maximum)}`;
    case "unrecognized_keys": {
      const allowed = schemaAt(schema, issue.path);
      const known = allowed && "shape" in allowed ? Object.keys((allowed as unknown as { shape: object }).shape) : [];
      const where = field ? ` in ${named}` : "";
      return issue.keys.map((key) => sentence(`unknown field "${key}"${where}`) + didYouMean(key, known)).join(" ");
    }
    case "invalid_value": {
      const allowed = issue.values.map((option) => String(option));
      return sentence(`${named} must be one of ${allowed.join(", ")}, not ${kindOf(value)}`) + (typeof value === "string" ? didYouMean(value, allowed) : "");
    }
    default:
      return `${named}: ${issue.message}`;
  }
}

/** Validates `value`; on failure adds one plain sentence per issue, each led by `where` (the path's first part for a quiz file). */
function validate<T>(schema: z.ZodType<T>, value: unknown, file: string, problems: Problems, locate: (path: PropertyKey[]) => { where: string; fieldPath: PropertyKey[]; schema: z.ZodType }): T | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const { where, fieldPath, schema: fieldSchema } = locate(issue.path);
    problems.push(sentence(`${file}: ${where}${describeIssue(issue, value, fieldSchema, fieldPath)}`));
  }
  return undefined;
}

function filesIn(dir: string, extension: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .sort()
    .map((name) => join(dir, name));
}

function loadConcept(path: string, shownAs: string, problems: Problems): Concept | undefined {
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(readFileSync(path, "utf8"));
  } catch (error) {
    problems.push(`${shownAs}: the front-matter is not valid YAML: ${(error as Error).message}`);
    return undefined;
  }
  const whole = { where: "", schema: conceptFrontMatter as z.ZodType };
  const front = validate(conceptFrontMatter, parsed.data, shownAs, problems, (fieldPath) => ({ ...whole, fieldPath }));
  const body = validate(conceptBody, parsed.content.trim(), shownAs, problems, () => ({ where: "the explanation after the front-matter: ", fieldPath: [], schema: conceptBody }));
  if (!front || body === undefined) return undefined;
  if (front.id !== basename(path, ".md")) {
    problems.push(`${shownAs}: "id" is "${front.id}", but it must equal the file name "${basename(path, ".md")}".`);
    return undefined;
  }
  return { ...front, body, file: shownAs };
}

/** A question of a quiz file named by its id when it has one, else by its place in the file. */
function questionName(data: unknown, index: number): string {
  const id = valueAt(data, [index, "id"]);
  return typeof id === "string" && id !== "" ? `question "${id}"` : `question ${index + 1} (it has no id)`;
}

/** Each question is validated on its own, so one broken question neither hides the others nor their checks. */
function loadQuizFile(path: string, shownAs: string, problems: Problems): QuizQuestion[] {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, "utf8"));
  } catch (error) {
    problems.push(`${shownAs}: not valid YAML: ${(error as Error).message}`);
    return [];
  }
  if (!Array.isArray(data) || data.length === 0) {
    problems.push(`${shownAs}: expected a list of questions (each starting with "- id: …"), not ${kindOf(data)}.`);
    return [];
  }
  return data.flatMap((entry: unknown, index) => {
    const where = `${questionName(data, index)}: `;
    const question = validate(quizQuestion, entry, shownAs, problems, (fieldPath) => ({ where, fieldPath, schema: quizQuestion as z.ZodType }));
    return question ? [question] : [];
  });
}

/** The concepts known to the checks: those loaded, and the ids of files too broken to load (already reported). */
interface KnownConcepts {
  loaded: Map<string, Concept>;
  unreadable: Set<string>;
}

/** Whether a reference to `id` is wrong in itself: not to a concept whose file is broken (reported once, there). */
function isUnknown(id: string, { loaded, unreadable }: KnownConcepts): boolean {
  return !loaded.has(id) && !unreadable.has(id);
}

function unknownConcept(id: string, { loaded, unreadable }: KnownConcepts): string {
  return sentence(`no concept has the id "${id}"`) + didYouMean(id, [...loaded.keys(), ...unreadable]);
}

function checkReferences(known: KnownConcepts, questions: Question[], problems: Problems) {
  const concepts = known.loaded;
  for (const concept of concepts.values()) {
    concept.related.forEach((related, index) => {
      if (isUnknown(related, known)) problems.push(`${concept.file}: "related[${index}]": ${unknownConcept(related, known)}`);
    });
  }
  const firstFile = new Map<string, string>();
  for (const question of questions) {
    const earlier = firstFile.get(question.id);
    if (earlier !== undefined) {
      problems.push(`${question.file}: question "${question.id}": the id is already used ${earlier === question.file ? "earlier in this file" : `in ${earlier}`}; each question needs its own.`);
    } else {
      firstFile.set(question.id, question.file);
    }
    if (isUnknown(question.concept, known)) problems.push(`${question.file}: question "${question.id}": "concept": ${unknownConcept(question.concept, known)}`);
  }
}

/**
 * The concept ids of CONCEPTS.txt in order: one a line, before its note; `#` starts a comment. Every concept
 * must be listed exactly once, and every id listed must have its file.
 */
function readLearningPath(contentDir: string, known: KnownConcepts, problems: Problems): string[] | undefined {
  const concepts = known.loaded;
  const path = join(contentDir, LEARNING_PATH_FILE);
  if (!existsSync(path)) return undefined;
  const shownAs = relative(process.cwd(), path);
  const firstLine = new Map<string, number>();
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, index) => {
      const id = line.replace(/#.*/, "").trim().split(/\s+/)[0];
      if (!id) return;
      const earlier = firstLine.get(id);
      if (earlier !== undefined) problems.push(`${shownAs}: line ${index + 1}: "${id}" is already listed on line ${earlier}; list each concept once.`);
      else firstLine.set(id, index + 1);
      if (isUnknown(id, known)) problems.push(`${shownAs}: line ${index + 1}: ${unknownConcept(id, known)}`);
    });
  for (const concept of concepts.values()) {
    if (!firstLine.has(concept.id)) problems.push(`${shownAs}: "${concept.id}" (${concept.file}) is not listed; add it where it belongs in the learning path.`);
  }
  return [...firstLine.keys()];
}

/**
 * Loads and validates content/concepts/*.md, content/quizzes/*.yaml and the learning path; throws a
 * ContentError listing every problem at once.
 */
export function loadContent(contentDir: string): Content {
  const problems: Problems = [];
  const concepts = new Map<string, Concept>();
  const unreadable = new Set<string>();
  for (const path of filesIn(join(contentDir, "concepts"), ".md")) {
    const concept = loadConcept(path, relative(process.cwd(), path), problems);
    if (concept) concepts.set(concept.id, concept);
    else unreadable.add(basename(path, ".md"));
  }
  const known = { loaded: concepts, unreadable };
  if (concepts.size === 0 && problems.length === 0) problems.push(`${join(contentDir, "concepts")}: no concept files (*.md) were found.`);
  const questions: Question[] = [];
  for (const path of filesIn(join(contentDir, "quizzes"), ".yaml")) {
    const file = relative(process.cwd(), path);
    for (const question of loadQuizFile(path, file, problems)) questions.push({ ...question, file });
  }
  checkReferences(known, questions, problems);
  const learningPath = readLearningPath(contentDir, known, problems);
  if (problems.length > 0) {
    // Grouped by file (each problem starts with its file's name), in the order found within a file.
    problems.sort((a, b) => a.slice(0, a.indexOf(": ")).localeCompare(b.slice(0, b.indexOf(": "))));
    throw new ContentError(`${problems.length === 1 ? "A content file has a problem" : `Content files have ${problems.length} problems`}:\n${problems.map((problem) => `- ${problem}`).join("\n")}`);
  }
  const ordered = learningPath ? new Map(learningPath.map((id) => [id, concepts.get(id)!])) : concepts;
  return { concepts: ordered, questions };
}
